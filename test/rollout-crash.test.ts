/**
 * A rollout killed (SIGKILL, by pid) at each phase of a cluster's write, then resumed and rolled back, through the
 * built CLI against the emulator. Counted from the emulator (its request log and stored clusters), never from our
 * output: no cluster gets two accepted PUTs; every cluster ends with the target settings and Succeeded or is reported
 * failed; the rollback restores every cluster whose settings the rollout changed.
 */
import { startEmulator } from "@aks-kube-proxy/arm-emulator";
import { restoreTargetOf } from "@aks-kube-proxy/sdk";
import { journalLogPath, parseRolloutJournalFile } from "@aks-kube-proxy/rollout";
import { CLI_BIN } from "../packages/cli/test/support/run-cli";
import { SUBSCRIPTIONS } from "./rollout-fixtures";
import { CRASH_TARGET, crashScene, journalLeftovers, KILL_POINTS, killAt, resumeAndCheck, spawnCli, type CrashScene } from "./support/rollout-crash";

/** What a rollback writes for a cluster that never had kubeProxyConfig: the SDK's one restore target. */
const RESTORE_OF_NEVER_SET = restoreTargetOf(null).settings;

describe("a rollout killed at each phase, resumed, then rolled back", () => {
  let scene: CrashScene | undefined;
  afterEach(async () => {
    await scene?.em.stop();
    scene = undefined;
  });

  test.each(KILL_POINTS.map((p) => [p]))("killed at %s: no double write, every cluster at the target or reported failed, rollback restores every changed cluster", async (point) => {
    scene = await crashScene({ startEmulator, journalReader: { parseRolloutJournalFile, journalLogPath }, cliBin: CLI_BIN, subscriptions: SUBSCRIPTIONS.slice(0, 2) });
    const first = spawnCli(scene, ["rollout", "apply", scene.rolloutFile, "--journal", scene.journal, "--yes"]);
    const { killed } = await killAt(scene, first, point, point === "journal-write" ? 3 : 1);
    expect(killed).toBe(true);
    expect((await first.exited).signal).toBe("SIGKILL");
    const figures = await resumeAndCheck(scene, { target: CRASH_TARGET, restoreOfNeverSet: RESTORE_OF_NEVER_SET, firstExit: null });
    expect(figures).toMatchObject({ doubleWrites: [], doneButWrong: [], unaccounted: [], missedByRollback: [] });
    // No fault remains after the kill: the resume completes and the rollback succeeds.
    expect(figures.exits.slice(1)).toEqual([0, 0]);
    // The crash's temporary files were cleaned up by the resume.
    expect(journalLeftovers(scene)).toEqual([]);
  }, 90_000);
});
