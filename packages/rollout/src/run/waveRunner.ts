/**
 * The wave runner: runs a journal's waves in order, each wave's clusters many at once (bounded overall, per wave and
 * per subscription), soaks between waves, and halts when a wave's failures exceed its halt rule. With a shared journal
 * store (a fleet coordinator), the halt and the failure counts are fleet-wide and a wave starts only once every shard
 * finished the one before (see `fleetRecord.ts`).
 * @packageDocumentation
 */
import { sleep } from "@aks-kube-proxy/sdk";
import { runBounded } from "./concurrency";
import type { JournalCluster, JournalWave, RolloutJournal, RolloutOutcome } from "../journal/journal";
import type { OpenRolloutJournal } from "../journal/journalStoreTypes";
import type { RolloutProgress } from "./progress";
import type { HaltRule, RolloutSpec } from "../spec/spec";
import type { FleetHalt } from "../journal/fleetRecord";
import type { RolloutControl } from "../journal/control";

/**
 * True when failures exceed the halt rule.
 * @internal
 */
export function haltExceeded(rule: HaltRule, failed: number, total: number): boolean {
  if (rule.maxFailures !== undefined && failed > rule.maxFailures) return true;
  if (rule.maxFailurePercent !== undefined && total > 0 && (failed * 100) / total > rule.maxFailurePercent) return true;
  return false;
}

const STARTABLE = new Set<string>(["pending", "in-progress"]);

/** `percent` of `n` clusters, rounded up, at least 1 (Fleet Manager's maxConcurrency as a percentage). */
function ofPercent(percent: number, n: number): number {
  return Math.max(1, Math.ceil((percent * n) / 100));
}

/**
 * The concurrency bounds of a wave: overall (the rollout's count or percentage of the wave's clusters, and the wave's
 * own), per subscription (its count or percentage of its clusters in the wave, else the rollout's). @internal
 */
export function concurrencyBounds(spec: RolloutSpec, waveName: string, members: readonly Pick<JournalCluster, "subscriptionId">[]): { overall: number; perSubscription: Map<string, number>; perSubscriptionDefault: number } {
  const n = members.length;
  const waveSpec = spec.waves.find((w) => w.name === waveName);
  const overall = Math.min(
    spec.maxConcurrencyPercent !== undefined ? ofPercent(spec.maxConcurrencyPercent, n) : spec.maxConcurrency,
    waveSpec?.maxConcurrencyPercent !== undefined ? ofPercent(waveSpec.maxConcurrencyPercent, n) : (waveSpec?.maxConcurrency ?? Number.POSITIVE_INFINITY),
  );
  const inSub = new Map<string, number>();
  for (const m of members) inSub.set(m.subscriptionId.toLowerCase(), (inSub.get(m.subscriptionId.toLowerCase()) ?? 0) + 1);
  const byDefault = (key: string): number =>
    spec.maxConcurrencyPerSubscriptionPercent !== undefined ? ofPercent(spec.maxConcurrencyPerSubscriptionPercent, inSub.get(key) ?? 0) : spec.maxConcurrencyPerSubscription;
  const perSubscription = new Map<string, number>();
  for (const key of inSub.keys()) {
    const s = spec.subscriptions.find((x) => x.id.toLowerCase() === key);
    perSubscription.set(key, s?.maxConcurrencyPercent !== undefined ? ofPercent(s.maxConcurrencyPercent, inSub.get(key) ?? 0) : (s?.maxConcurrency ?? byDefault(key)));
  }
  return { overall, perSubscription, perSubscriptionDefault: spec.maxConcurrencyPerSubscription };
}

function haltRuleOf(spec: RolloutSpec, waveName: string): HaltRule {
  return spec.waves.find((w) => w.name === waveName)?.halt ?? spec.halt;
}

/** What the wave runner needs. @internal */
export interface WaveRunnerArgs {
  readonly file: OpenRolloutJournal;
  readonly progress: RolloutProgress;
  /**
   * Runs one cluster (never throws for the cluster's own failure); `inFlightInSubscription` is the most clusters of its
   * subscription this wave runs at once: its bounds, and no more than the wave has there (what the cluster's share of
   * the subscription's budgets is judged by).
   */
  readonly runCluster: (c: JournalCluster, context: { readonly inFlightInSubscription: number }) => Promise<void>;
  readonly abortSignal?: AbortSignal;
  /** Only these waves (by name). */
  readonly waves?: readonly string[];
  /** Reads the skip and stop requests (a file journal's control file); with a fleet they come with the fleet record. */
  readonly control?: () => Promise<RolloutControl | undefined>;
}

/**
 * Runs the waves.
 * @internal
 */
export class WaveRunner {
  /** @param args - journal file, progress, cluster runner, abort signal, wave filter */
  constructor(private readonly args: WaveRunnerArgs) {}

  private get j(): RolloutJournal {
    return this.args.file.journal;
  }

  private get aborted(): boolean {
    return this.args.abortSignal?.aborted ?? false;
  }

  /** The skip requests (`[skipClusters, skipWaves]` as JSON) last applied by {@link WaveRunner.applyControl}. */
  private appliedSkips: string | undefined;

  /** Set once a stop request was seen. */
  private stopRequest: RolloutControl["stop"] | undefined;

  /** The skip and stop requests, from the fleet record (a fleet) or the control file. */
  private async readControl(wave: string): Promise<RolloutControl | undefined> {
    const fleet = this.args.file.fleet;
    return fleet ? (await fleet.check(wave)).control : await this.args.control?.();
  }

  /**
   * Applies skip requests to pending clusters (skipped, reason `requested`) and notes a stop request. Returns true
   * when the run must stop. Clusters it skips are written to the journal before it returns (declared changed, then
   * committed), so a crash right after leaves them skipped, not pending.
   */
  private async applyControl(control: RolloutControl | undefined): Promise<boolean> {
    if (!control) return false;
    let skipped = 0;
    const ids = new Set(control.skipClusters.map((x) => x.toLowerCase()));
    const waves = new Set(control.skipWaves.map((x) => x.toLowerCase()));
    // The same skip requests as last applied: nothing to do (no cluster becomes pending again during a run), so the
    // scan over every cluster is not repeated before each cluster starts.
    const key = ids.size > 0 || waves.size > 0 ? JSON.stringify([control.skipClusters, control.skipWaves]) : undefined;
    if (key !== undefined && key !== this.appliedSkips) {
      for (const c of this.j.clusters) {
        if (c.status !== "pending") continue;
        const byWave = c.wave !== undefined && waves.has(c.wave.toLowerCase());
        if (!byWave && !ids.has(c.id.toLowerCase())) continue;
        c.status = "skipped";
        c.skipReason = "requested";
        c.skipMessage = byWave ? `not started: wave "${c.wave}" skipped by rollout skip` : "not started: skipped by rollout skip";
        this.args.file.changed(c);
        this.args.progress.emitCluster(c);
        skipped++;
      }
    }
    if (skipped > 0) await this.args.file.commit();
    // Noted only once the skips are committed.
    if (key !== undefined) this.appliedSkips = key;
    if (control.stop) this.stopRequest = control.stop;
    return control.stop !== undefined;
  }

  /** Records the stop in the journal. */
  private async stopped(): Promise<RolloutOutcome> {
    if (this.stopRequest) this.j.stopped = { ...this.stopRequest };
    await this.args.file.commit();
    return "stopped";
  }

  /** Runs every wave not done yet (or those named), in order. */
  async runWaves(): Promise<RolloutOutcome> {
    const j = this.j;
    const only = this.args.waves?.map((w) => w.toLowerCase());
    for (const [i, wave] of j.waves.entries()) {
      if (wave.status === "done") {
        // Done in an earlier run: make sure the fleet knows (idempotent), or the other shards would wait for it.
        await this.args.file.fleet?.waveDone(wave.name);
        continue;
      }
      if (only && !only.includes(wave.name.toLowerCase())) continue;
      if (this.aborted) return "aborted";
      this.args.progress.currentWave = wave.name;
      if (wave.status !== "soaking") {
        if (await this.applyControl(await this.readControl(wave.name))) return this.stopped();
        if (wave.status === "pending" && (await this.awaitingApproval(wave))) return "awaiting-approval";
        const fleetHalt = await this.waitForFleet(i);
        if (fleetHalt) return this.halt(wave, j.clusters.filter((c) => c.wave === wave.name), haltRuleOf(j.spec, wave.name), fleetHalt);
        if (this.aborted) return "aborted";
        const outcome = await this.runWave(wave);
        if (outcome !== "completed") return outcome;
      }
      // Soak before the next wave that has work, unless this wave was empty.
      const laterWork = j.waves.slice(i + 1).some((w) => w.total > 0 && w.status !== "done" && (!only || only.includes(w.name.toLowerCase())));
      const soakMs = j.spec.waves.find((w) => w.name === wave.name)?.soakTimeInMs ?? j.spec.soakTimeInMs;
      if (wave.total > 0 && laterWork && soakMs > 0) {
        if (wave.status !== "soaking") {
          wave.status = "soaking";
          wave.soakUntil = new Date(Date.now() + soakMs).toISOString();
          await this.args.file.commit();
        }
        const until = Date.parse(wave.soakUntil ?? new Date().toISOString());
        this.args.progress.emit({ type: "soaking", wave: wave.name, untilInMs: until });
        try {
          await sleep(until - Date.now(), this.args.abortSignal, `soaking after wave ${wave.name}`);
        } catch (error) {
          if (this.aborted) return "aborted";
          throw error;
        }
      }
      wave.status = "done";
      await this.args.file.commit();
      await this.args.file.fleet?.waveDone(wave.name);
      this.args.progress.emit({ type: "wave-finished", wave: wave.name, status: "done" });
    }
    return "completed";
  }

  /**
   * A wave with `approval: true` that was not approved yet: records that the run waits for it and returns true (the
   * run stops `awaiting-approval`). An approval recorded in the fleet record (blob journal) is copied to this journal.
   */
  private async awaitingApproval(wave: JournalWave): Promise<boolean> {
    // A rollback (same spec, same waves) restores: it is never held for an approval.
    if (this.j.operation !== "apply") return false;
    const spec = this.j.spec.waves.find((w) => w.name === wave.name);
    if (!spec?.approval || wave.approval) return false;
    const approval = await this.args.file.fleet?.approval(wave.name);
    if (approval) {
      wave.approval = approval;
      await this.args.file.commit();
      return false;
    }
    this.j.awaitingApproval = { wave: wave.name, since: new Date().toISOString() };
    await this.args.file.commit();
    this.args.progress.emit({ type: "awaiting-approval", wave: wave.name });
    return true;
  }

  /**
   * With a fleet: waits until every shard finished the wave before wave `index` (and its soak). Returns the fleet's
   * halt if one is set meanwhile. Not done when the run is limited to some waves (`waves`): that run is one step of a
   * pipeline that orders its jobs itself.
   */
  private async waitForFleet(index: number): Promise<FleetHalt | undefined> {
    const fleet = this.args.file.fleet;
    if (!fleet) return undefined;
    const previous = index > 0 ? this.j.waves[index - 1] : undefined;
    if (!previous || this.args.waves) return (await fleet.check(this.j.waves[index]?.name ?? "")).halt;
    try {
      const view = await fleet.waitForWave(previous.name, {
        ...(this.args.abortSignal ? { abortSignal: this.args.abortSignal } : {}),
        onWaiting: (shards) => this.args.progress.emit({ type: "waiting-for-shards", wave: previous.name, shards }),
      });
      return view.halt;
    } catch (error) {
      if (this.aborted) return undefined;
      throw error;
    }
  }

  private async runWave(wave: JournalWave): Promise<RolloutOutcome> {
    const j = this.j;
    const members = j.clusters.filter((c) => c.wave === wave.name);
    // Clusters left in progress by an earlier run go first: they are re-attached, not written again.
    const todo = [...members.filter((c) => c.status === "in-progress"), ...members.filter((c) => c.status === "pending")];
    wave.status = "running";
    wave.startedAt ??= new Date().toISOString();
    await this.args.file.commit();
    this.args.progress.emit({ type: "wave-started", wave: wave.name, index: wave.index, total: wave.total });

    const rule = haltRuleOf(j.spec, wave.name);
    const spec = j.spec;
    const bounds = concurrencyBounds(spec, wave.name, members);
    const perSubscription = bounds.perSubscription;
    /** The wave's clusters per subscription: at most that many of them are in flight at once. */
    const membersIn = new Map<string, number>();
    for (const m of members) membersIn.set(m.subscriptionId.toLowerCase(), (membersIn.get(m.subscriptionId.toLowerCase()) ?? 0) + 1);
    const fleet = this.args.file.fleet;
    // With a fleet, the rule is judged on the fleet's sums only (judgeFleet), never on this shard's own counts.
    let halted = !fleet && haltExceeded(rule, members.filter((c) => c.status === "failed").length, members.length);
    let fleetHalt: FleetHalt | undefined;
    /** Publishes this shard's counts and judges the halt rule on the fleet's sums. */
    const judgeFleet = async (): Promise<void> => {
      if (!fleet) return;
      const view = await fleet.report(wave.name, { failed: members.filter((m) => m.status === "failed").length, total: members.length });
      if (view.halt) {
        fleetHalt = view.halt;
        halted = true;
      } else if (haltExceeded(rule, view.counts.failed, view.counts.total)) {
        halted = true;
      }
    };
    await judgeFleet();
    const activeFrom = Date.now();
    await runBounded({
      items: todo,
      maxConcurrency: bounds.overall,
      keyOf: (c) => c.subscriptionId.toLowerCase(),
      maxPerKey: (key) => perSubscription.get(key) ?? bounds.perSubscriptionDefault,
      shouldStop: () => halted || this.aborted || this.stopRequest !== undefined,
      run: async (c) => {
        if (fleet) {
          // Read the fleet's halt before each write: a halt set by another shard stops this one before its next cluster.
          const view = await fleet.check(wave.name);
          if (view.halt) {
            fleetHalt ??= view.halt;
            halted = true;
          }
          if (await this.applyControl(view.control)) return;
          if (halted || this.aborted) return;
        } else if (this.args.control && (await this.applyControl(await this.args.control()))) {
          return;
        }
        // Skipped by a request since the wave started.
        if (!STARTABLE.has(c.status)) return;
        const sub = c.subscriptionId.toLowerCase();
        await this.args.runCluster(c, { inFlightInSubscription: Math.min(bounds.overall, perSubscription.get(sub) ?? bounds.perSubscriptionDefault, membersIn.get(sub) ?? 1) });
        if (fleet) {
          if (c.status === "failed" && !halted) await judgeFleet();
        } else if (!halted && c.status === "failed" && haltExceeded(rule, members.filter((m) => m.status === "failed").length, members.length)) {
          // Counted only when this cluster failed (the count moves with failures alone): counting the wave after every
          // cluster cost O(clusters²): the largest share of the rollout's own CPU in a profile of 4,000 clusters.
          halted = true;
        }
      },
    });
    this.args.progress.addActiveTime(Date.now() - activeFrom);
    if (this.aborted) {
      await this.args.file.commit();
      return "aborted";
    }
    if (halted) return this.halt(wave, members, rule, fleetHalt);
    if (this.stopRequest) return this.stopped();
    wave.finishedAt = new Date().toISOString();
    await this.args.file.commit();
    return "completed";
  }

  /**
   * Records the halt: the wave halted, the clusters not started in it and in later waves skipped. With a fleet, a halt
   * this shard's rule found is published for every shard; a halt another shard published is recorded with its reason.
   */
  private async halt(wave: JournalWave, members: readonly JournalCluster[], rule: HaltRule, fromFleet?: FleetHalt): Promise<RolloutOutcome> {
    const j = this.j;
    const failed = members.filter((c) => c.status === "failed").length;
    const limit = rule.maxFailures !== undefined ? `more than ${rule.maxFailures}` : "";
    const pct = rule.maxFailurePercent !== undefined ? `more than ${rule.maxFailurePercent}%` : "";
    const fleet = this.args.file.fleet;
    let reason: string;
    if (fromFleet) {
      reason = `shard ${fromFleet.shard} halted the whole fleet (${fromFleet.reason.split(";")[0]}); this shard started no further clusters. Inspect the failures, then run every shard again with --resume --retry-failed, or roll back.`;
    } else {
      const scope = fleet && fleet.shardCount > 1 ? `, counted over all ${fleet.shardCount} shards` : "";
      const counts = fleet ? (await fleet.check(wave.name)).counts : { failed, total: members.length };
      reason = `${counts.failed} of ${counts.total} clusters in wave "${wave.name}" failed${scope} (halt rule: ${[limit, pct].filter(Boolean).join(" or ")}); no further clusters were started. Inspect the failures, then run again with --resume --retry-failed, or roll back.`;
      if (fleet) await fleet.halt({ wave: wave.name, reason });
    }
    wave.status = "halted";
    wave.haltReason = reason;
    wave.finishedAt = new Date().toISOString();
    j.halt = { wave: wave.name, failed, total: members.length, reason };
    const haltedIndex = wave.index;
    for (const c of j.clusters) {
      const w = j.waves.find((x) => x.name === c.wave);
      if (c.status === "pending" && w && w.index >= haltedIndex) {
        c.status = "skipped";
        c.skipReason = "halted";
        c.skipMessage = `not started: wave "${wave.name}" hit the halt rule`;
        this.args.file.changed(c);
      }
    }
    // The later waves will not start: they read as skipped, not pending (`--resume --retry-failed` reopens them).
    for (const w of j.waves) {
      if (w.index > haltedIndex && w.status === "pending") {
        w.status = "skipped";
        w.haltReason = `not started: wave "${wave.name}" hit the halt rule`;
      }
    }
    await this.args.file.commit();
    this.args.progress.emit({ type: "halted", wave: wave.name, reason });
    return "halted";
  }
}
