/**
 * Property test over random fault schedules: a small rollout (4 clusters, 2 subscriptions) through the built CLI
 * against the emulator, with random faults (error statuses, dropped connections, slow answers, operations that end
 * Failed, PUTs applied whose answer is lost) and one or two kills (SIGKILL at a random phase), resumed to its end, then rolled back. Invariants, counted from
 * the emulator: at most one accepted PUT per cluster for the change; a cluster the journal says done reads the target
 * settings and Succeeded; every cluster ends done or reported failed; the rollback restores every cluster whose
 * settings changed. Few runs, a small fleet and short operations keep it modest; nothing about timing is asserted.
 */
import fc from "fast-check";
import { startEmulator } from "@aks-kube-proxy/arm-emulator";
import { restoreTargetOf } from "@aks-kube-proxy/sdk";
import { journalLogPath, parseRolloutJournalFile } from "@aks-kube-proxy/rollout";
import { CLI_BIN } from "../packages/cli/test/support/run-cli";
import { SUBSCRIPTIONS } from "./rollout-fixtures";
import { CRASH_TARGET, crashScene, KILL_POINTS, killAt, resumeAndCheck, spawnCli, type ScheduledFault } from "./support/rollout-crash";

/** What a rollback writes for a cluster that never had kubeProxyConfig: the SDK's one restore target. */
const RESTORE_OF_NEVER_SET = restoreTargetOf(null).settings;
const CLUSTER_PATH = "/managedClusters/[^/]+$";
const OPERATION_PATH = "/operations/";

const faultArb: fc.Arbitrary<ScheduledFault> = fc.oneof(
  fc.record({
    kind: fc.constant("status" as const),
    status: fc.constantFrom(429, 500, 503),
    method: fc.constantFrom("GET", "PUT"),
    pathPattern: fc.constantFrom(CLUSTER_PATH, OPERATION_PATH),
    count: fc.integer({ min: 1, max: 3 }),
    retryAfterSeconds: fc.constant(0),
  }),
  fc.record({ kind: fc.constant("drop" as const), method: fc.constantFrom("GET", "PUT"), pathPattern: fc.constantFrom(CLUSTER_PATH, OPERATION_PATH), count: fc.integer({ min: 1, max: 2 }) }),
  // Applied, then the answer lost: a PUT accepted whose response never arrives.
  fc.record({ kind: fc.constant("drop-response" as const), method: fc.constantFrom("GET", "PUT"), pathPattern: fc.constantFrom(CLUSTER_PATH, OPERATION_PATH), count: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant("slow" as const), pathPattern: fc.constantFrom(CLUSTER_PATH, OPERATION_PATH), delayMs: fc.integer({ min: 20, max: 300 }), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("lro-failed" as const), pathPattern: fc.constant("managedClusters/"), count: fc.constant(1), armCode: fc.constant("KubeProxyUpgradeFailed"), message: fc.constant("injected") }),
);

const scheduleArb = fc.record({
  faults: fc.array(faultArb, { maxLength: 4 }),
  kills: fc.array(fc.record({ point: fc.constantFrom(...KILL_POINTS), occurrence: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 2 }),
});

describe("rollout under random faults and kills (fast-check)", () => {
  test("at most one accepted PUT per cluster; done means target and Succeeded; every cluster accounted for; rollback restores every changed cluster", async () => {
    await fc.assert(
      fc.asyncProperty(scheduleArb, async ({ faults, kills }) => {
        const scene = await crashScene({ startEmulator, journalReader: { parseRolloutJournalFile, journalLogPath }, cliBin: CLI_BIN, subscriptions: SUBSCRIPTIONS.slice(0, 2), perSubscription: 2, operationMs: 120 });
        try {
          for (const f of faults) scene.em.control.addFault(f);
          let exit: number | null = null;
          let args = ["rollout", "apply", scene.rolloutFile, "--journal", scene.journal, "--yes"];
          for (const k of kills) {
            const proc = spawnCli(scene, args);
            await killAt(scene, proc, k.point, k.point === "journal-write" ? k.occurrence + 1 : k.occurrence);
            exit = (await proc.exited).code;
            args = ["rollout", "apply", scene.rolloutFile, "--journal", scene.journal, "--resume", "--yes"];
          }
          const figures = await resumeAndCheck(scene, { target: CRASH_TARGET, restoreOfNeverSet: RESTORE_OF_NEVER_SET, firstExit: exit, maxResumes: 4 });
          expect({ faults, kills, ...figures, exits: undefined }).toEqual({ faults, kills, doubleWrites: [], doneButWrong: [], unaccounted: [], missedByRollback: [], exits: undefined });
        } finally {
          await scene.em.stop();
        }
      }),
      { numRuns: 5 },
    );
  }, 240_000);
});
