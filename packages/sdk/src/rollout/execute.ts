/**
 * The rollout executor: runs a journal's waves in order, many clusters at once (bounded overall and per
 * subscription), each through the SDK's apply; enables the preview once per subscription before its first write;
 * paces ARM requests with {@link ArmRateLimiter}; soaks between waves; halts on the failure threshold; writes the
 * journal after every step; and resumes a journal left by a crash or Ctrl-C without writing twice.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { AdditionalPolicy } from "../arm/pipeline";
import type { ClusterState } from "../clusterState";
import { isKubeProxyError } from "../errors";
import { sleep } from "../poll";
import { retryTransient } from "../preview/transient";
import type { ApplyProgress } from "../progress";
import { runBounded } from "./concurrency";
import { countClusters, toJournalError, type JournalCluster, type JournalError, type JournalWave, type RolloutCounts, type RolloutOutcome, type RolloutJournal } from "./journal";
import type { RolloutJournalFile } from "./journalFile";
import { ArmRateLimiter, type ArmRateLimiterStats } from "./rateLimiter";
import type { HaltRule, RolloutSpec } from "./spec";

/** The part of {@link KubeProxyClient} a rollout uses (a `KubeProxyClient` is one). */
export interface RolloutClient {
  /** Reads the preview's feature and provider states. */
  getPreviewStatus(options?: { abortSignal?: AbortSignal }): Promise<{ featureState: string; providerState: string }>;
  /** Enables the preview (feature flag, provider refresh), waiting until done. */
  enablePreview(options?: { abortSignal?: AbortSignal; refreshProvider?: "when-needed" | "always"; onProgress?: (e: { step: string; state: string; elapsedInMs: number }) => void }): Promise<unknown>;
  /** Lists the subscription's clusters (every page). */
  listClusters(options?: { abortSignal?: AbortSignal }): Promise<ClusterState[]>;
  /** Converges one cluster (or re-attaches to its operation with `resumeOperationUrl`). */
  apply(
    ref: { id: string },
    desired: KubeProxyConfig,
    options?: { allowDisable?: boolean; timeoutInMs?: number; abortSignal?: AbortSignal; onProgress?: (e: ApplyProgress) => void; resumeOperationUrl?: string },
  ): Promise<{ changed: boolean; cluster: ClusterState; requestIds: string[]; operationUrl?: string }>;
}

/** Builds the client for a subscription; pass `additionalPolicies` on to the client (they hold the rate limiter). */
export type RolloutClientFactory = (args: { readonly subscriptionId: string; readonly additionalPolicies: readonly AdditionalPolicy[] }) => RolloutClient;

/** Per-wave counts in a progress snapshot. */
export interface RolloutWaveProgress extends RolloutCounts {
  /** Wave name. */
  readonly name: string;
  /** Wave status. */
  readonly status: JournalWave["status"];
}

/** Where the rollout stands, attached to every progress event. */
export interface RolloutProgressSnapshot {
  /** Since this run started. */
  readonly elapsedInMs: number;
  /** Estimated time left (from this run's throughput and the soak times ahead); absent until a cluster finished. */
  readonly estimatedRemainingInMs?: number;
  /** Counts over the whole journal. */
  readonly counts: RolloutCounts;
  /** Counts per wave. */
  readonly waves: readonly RolloutWaveProgress[];
  /** The wave running or soaking. */
  readonly currentWave?: string;
  /** 429 answers received so far (absorbed by the rate limiter). */
  readonly throttled: number;
}

/** A progress event without its snapshot. @internal */
type RolloutProgressEventBody =
  | { readonly type: "preview"; readonly subscriptionId: string; readonly step: string; readonly state: string }
  | { readonly type: "wave-started"; readonly wave: string; readonly index: number; readonly total: number }
  | { readonly type: "cluster"; readonly wave?: string; readonly clusterId: string; readonly name: string; readonly status: JournalCluster["status"]; readonly phase?: string; readonly error?: JournalError }
  | { readonly type: "wave-finished"; readonly wave: string; readonly status: JournalWave["status"] }
  | { readonly type: "soaking"; readonly wave: string; readonly untilInMs: number }
  | { readonly type: "halted"; readonly wave: string; readonly reason: string };

/** Progress of a rollout: what happened, and a snapshot of where the rollout stands. */
export type RolloutProgressEvent = RolloutProgressEventBody & { readonly snapshot: RolloutProgressSnapshot };

/** Options of {@link runRollout}. */
export interface RunRolloutOptions {
  /** The journal to run (fresh from {@link createRolloutJournal}, or opened to resume). */
  readonly journal: RolloutJournalFile;
  /** Builds one client per subscription. */
  readonly createClient: RolloutClientFactory;
  /** Paces ARM requests; shared with the listing. @default a new {@link ArmRateLimiter} */
  readonly rateLimiter?: ArmRateLimiter;
  /** Stops starting clusters and stops waiting; in-progress clusters stay `in-progress` with their operation URL for `--resume`. */
  readonly abortSignal?: AbortSignal;
  /** Progress events. */
  readonly onProgress?: (event: RolloutProgressEvent) => void;
  /** Timeout of one cluster's apply. @default the SDK's apply default */
  readonly clusterTimeoutInMs?: number;
  /** Resume: start failed clusters again and lift a halt. @default false */
  readonly retryFailed?: boolean;
  /** Run only these waves (by name), e.g. a CI job that runs the canary before the shards. @default every wave */
  readonly waves?: readonly string[];
}

/** The result of {@link runRollout}. */
export interface RolloutRunResult {
  /** `completed` (every wave run), `halted` (the halt rule stopped it) or `aborted`. */
  readonly outcome: RolloutOutcome;
  /** Counts over the journal. */
  readonly counts: RolloutCounts;
  /** The journal as written last. */
  readonly journal: RolloutJournal;
  /** Set when halted. */
  readonly halt?: RolloutJournal["halt"];
  /** How long this run took. */
  readonly durationInMs: number;
  /** What the rate limiter saw. */
  readonly rateLimiter: ArmRateLimiterStats;
}

/** Adds one cluster to counts. @internal */
function addToCounts(t: RolloutCounts, c: JournalCluster): void {
  t.total++;
  if (c.status === "pending") t.pending++;
  else if (c.status === "in-progress") t.inProgress++;
  else if (c.status === "done") {
    t.done++;
    if (c.changed) t.changed++;
  } else if (c.status === "failed") t.failed++;
  else t.skipped++;
}

/**
 * True when failures exceed the halt rule.
 * @internal
 */
export function haltExceeded(rule: HaltRule, failed: number, total: number): boolean {
  if (rule.maxFailures !== undefined && failed > rule.maxFailures) return true;
  if (rule.maxFailurePercent !== undefined && total > 0 && (failed * 100) / total > rule.maxFailurePercent) return true;
  return false;
}

function haltRuleOf(spec: RolloutSpec, waveName: string): HaltRule {
  return spec.waves.find((w) => w.name === waveName)?.halt ?? spec.halt;
}

/** Restores the settings a journal recorded as previous: absent or `{}` is the AKS default. @internal */
export function restoreTarget(previous: KubeProxyConfig | null | undefined): KubeProxyConfig {
  if (previous === null || previous === undefined || Object.keys(previous).length === 0) return { enabled: true, mode: "IPTABLES" };
  return structuredClone(previous);
}

/**
 * Runs (or resumes) a rollout journal to its end, a halt, or an abort. Never throws for a cluster's failure (it is
 * recorded); throws only when the journal cannot be written.
 * @param options - journal, client factory, abort signal, progress
 */
export async function runRollout(options: RunRolloutOptions): Promise<RolloutRunResult> {
  return new RolloutRun(options).run();
}

class RolloutRun {
  private readonly file: RolloutJournalFile;
  private readonly j: RolloutJournal;
  private readonly limiter: ArmRateLimiter;
  private readonly clients = new Map<string, RolloutClient>();
  private readonly previewChecks = new Map<string, Promise<void>>();
  private readonly fullEnables = new Map<string, Promise<void>>();
  private readonly startedAt = Date.now();
  private activeMs = 0;
  private finishedThisRun = 0;
  private currentWave: string | undefined;

  constructor(private readonly options: RunRolloutOptions) {
    this.file = options.journal;
    this.j = options.journal.journal;
    this.limiter = options.rateLimiter ?? new ArmRateLimiter();
  }

  private get aborted(): boolean {
    return this.options.abortSignal?.aborted ?? false;
  }

  private client(subscriptionId: string): RolloutClient {
    let c = this.clients.get(subscriptionId);
    if (!c) {
      c = this.options.createClient({ subscriptionId, additionalPolicies: [{ policy: this.limiter.policy, position: "perRetry" }] });
      this.clients.set(subscriptionId, c);
    }
    return c;
  }

  async run(): Promise<RolloutRunResult> {
    const j = this.j;
    const resumed = j.runs.length > 0;
    this.prepareResume();
    const run: RolloutJournal["runs"][number] = { startedAt: new Date().toISOString(), resumed };
    j.runs.push(run);
    let outcome: RolloutOutcome;
    if (j.halt) {
      outcome = "halted";
    } else {
      j.status = "running";
      await this.file.commit();
      outcome = await this.runWaves();
    }
    j.status = outcome;
    run.endedAt = new Date().toISOString();
    run.outcome = outcome;
    await this.file.commit();
    return {
      outcome,
      counts: countClusters(j.clusters),
      journal: j,
      ...(j.halt ? { halt: j.halt } : {}),
      durationInMs: Date.now() - this.startedAt,
      rateLimiter: this.limiter.stats(),
    };
  }

  /** On resume with retryFailed: failed and halted clusters go back to pending, and the halt is lifted. */
  private prepareResume(): void {
    if (!this.options.retryFailed) return;
    for (const c of this.j.clusters) {
      if (c.status === "failed" || (c.status === "skipped" && c.skipReason === "halted")) {
        c.status = "pending";
        delete c.skipReason;
        delete c.skipMessage;
        this.file.changed(c);
      }
    }
    for (const w of this.j.waves) {
      if (w.status === "halted") {
        w.status = "pending";
        delete w.haltReason;
      }
    }
    delete this.j.halt;
  }

  private async runWaves(): Promise<RolloutOutcome> {
    const j = this.j;
    const only = this.options.waves?.map((w) => w.toLowerCase());
    for (const [i, wave] of j.waves.entries()) {
      if (wave.status === "done") continue;
      if (only && !only.includes(wave.name.toLowerCase())) continue;
      if (this.aborted) return "aborted";
      this.currentWave = wave.name;
      if (wave.status !== "soaking") {
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
          await this.file.commit();
        }
        const until = Date.parse(wave.soakUntil ?? new Date().toISOString());
        this.emit({ type: "soaking", wave: wave.name, untilInMs: until });
        try {
          await sleep(until - Date.now(), this.options.abortSignal, `soaking after wave ${wave.name}`);
        } catch (error) {
          if (this.aborted) return "aborted";
          throw error;
        }
      }
      wave.status = "done";
      await this.file.commit();
      this.emit({ type: "wave-finished", wave: wave.name, status: "done" });
    }
    return "completed";
  }

  private async runWave(wave: JournalWave): Promise<RolloutOutcome> {
    const j = this.j;
    const members = j.clusters.filter((c) => c.wave === wave.name);
    // Clusters left in progress by an earlier run go first: they are re-attached, not written again.
    const todo = [...members.filter((c) => c.status === "in-progress"), ...members.filter((c) => c.status === "pending")];
    wave.status = "running";
    wave.startedAt ??= new Date().toISOString();
    await this.file.commit();
    this.emit({ type: "wave-started", wave: wave.name, index: wave.index, total: wave.total });

    const rule = haltRuleOf(j.spec, wave.name);
    const spec = j.spec;
    const waveSpec = spec.waves.find((w) => w.name === wave.name);
    const perSubscription = new Map(spec.subscriptions.map((s) => [s.id.toLowerCase(), s.maxConcurrency ?? spec.maxConcurrencyPerSubscription]));
    let halted = haltExceeded(rule, members.filter((c) => c.status === "failed").length, members.length);
    const activeFrom = Date.now();
    await runBounded({
      items: todo,
      maxConcurrency: Math.min(spec.maxConcurrency, waveSpec?.maxConcurrency ?? Number.POSITIVE_INFINITY),
      keyOf: (c) => c.subscriptionId,
      maxPerKey: (key) => perSubscription.get(key) ?? spec.maxConcurrencyPerSubscription,
      shouldStop: () => halted || this.aborted,
      run: async (c) => {
        await this.runCluster(c);
        if (!halted && haltExceeded(rule, members.filter((m) => m.status === "failed").length, members.length)) halted = true;
      },
    });
    this.activeMs += Date.now() - activeFrom;
    if (this.aborted) {
      await this.file.commit();
      return "aborted";
    }
    if (halted) {
      const failed = members.filter((c) => c.status === "failed").length;
      const limit = rule.maxFailures !== undefined ? `more than ${rule.maxFailures}` : "";
      const pct = rule.maxFailurePercent !== undefined ? `more than ${rule.maxFailurePercent}%` : "";
      const reason = `${failed} of ${members.length} clusters in wave "${wave.name}" failed (halt rule: ${[limit, pct].filter(Boolean).join(" or ")}); no further clusters were started. Inspect the failures, then run again with --resume --retry-failed, or roll back.`;
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
          this.file.changed(c);
        }
      }
      await this.file.commit();
      this.emit({ type: "halted", wave: wave.name, reason });
      return "halted";
    }
    wave.finishedAt = new Date().toISOString();
    await this.file.commit();
    return "completed";
  }

  /**
   * Enables the preview once per subscription before its first write, through the SDK's one enablement flow (one
   * read when it is already enabled). A transient failure of that check (throttling, 5xx, a dropped connection) is
   * retried with backoff, and a failure is not cached: the next cluster of the subscription checks again.
   */
  private ensurePreview(subscriptionId: string): Promise<void> {
    if (!this.j.spec.enablePreview || this.j.subscriptions[subscriptionId]?.previewEnabled) return Promise.resolve();
    return this.enableOnce(subscriptionId, "when-needed");
  }

  /** After Azure refused a write with KubeProxyConfigFeatureNotRegistered: the enablement with a provider refresh, once per subscription and run. */
  private enableFully(subscriptionId: string): Promise<void> {
    return this.enableOnce(subscriptionId, "always");
  }

  private enableOnce(subscriptionId: string, refreshProvider: "when-needed" | "always"): Promise<void> {
    const cache = refreshProvider === "always" ? this.fullEnables : this.previewChecks;
    let p = cache.get(subscriptionId);
    if (!p) {
      p = (async () => {
        try {
          await retryTransient(
            () =>
              this.client(subscriptionId).enablePreview({
                ...this.abortOptions(),
                refreshProvider,
                onProgress: (e) => this.emit({ type: "preview", subscriptionId, step: e.step, state: e.state }),
              }),
            this.options.abortSignal,
          );
        } catch (error) {
          // Not cached as failed: a later cluster of this subscription tries again.
          cache.delete(subscriptionId);
          const sub = (this.j.subscriptions[subscriptionId] ??= {});
          sub.error = toJournalError(error);
          await this.file.commit();
          throw error;
        }
        this.markPreview(subscriptionId);
        await this.file.commit();
      })();
      p.catch(() => undefined);
      cache.set(subscriptionId, p);
    }
    return p;
  }

  private markPreview(subscriptionId: string): void {
    const sub = (this.j.subscriptions[subscriptionId] ??= {});
    sub.previewEnabled = true;
    delete sub.error;
  }

  private abortOptions(): { abortSignal?: AbortSignal } {
    return this.options.abortSignal ? { abortSignal: this.options.abortSignal } : {};
  }

  private async runCluster(c: JournalCluster): Promise<void> {
    const resumeOperationUrl = c.status === "in-progress" ? c.operationUrl : undefined;
    const started = Date.now();
    c.status = "in-progress";
    c.attempts++;
    c.startedAt = new Date(started).toISOString();
    c.phase = resumeOperationUrl ? "re-attaching" : "starting";
    delete c.error;
    delete c.finishedAt;
    await this.commitCluster(c);
    this.emitCluster(c);

    let retriedAfterEnable = false;
    for (;;) {
      try {
        await this.ensurePreview(c.subscriptionId);
        const result = await this.client(c.subscriptionId).apply({ id: c.id }, c.desired ?? {}, {
          allowDisable: this.j.spec.allowDisable || c.desired?.enabled === false,
          ...this.abortOptions(),
          ...(this.options.clusterTimeoutInMs !== undefined ? { timeoutInMs: this.options.clusterTimeoutInMs } : {}),
          ...(resumeOperationUrl ? { resumeOperationUrl } : {}),
          onProgress: (e) => this.onApplyProgress(c, e),
        });
        c.status = "done";
        c.changed = result.changed || resumeOperationUrl !== undefined;
        if (c.changed) c.written = true;
        c.after = result.cluster.kubeProxyConfig === undefined ? null : structuredClone(result.cluster.kubeProxyConfig);
        c.requestIds = result.requestIds;
        if (result.operationUrl) c.operationUrl = result.operationUrl;
        delete c.phase;
        break;
      } catch (error) {
        if (this.aborted) {
          // Left in progress: --resume re-attaches to the operation (or re-reads the cluster) instead of writing again.
          const url = (error as { operationUrl?: unknown }).operationUrl;
          if (typeof url === "string" && !c.operationUrl) c.operationUrl = url;
          await this.commitCluster(c);
          this.emitCluster(c);
          return;
        }
        if (isKubeProxyError(error) && error.code === "PreviewNotEnabled" && !retriedAfterEnable && this.j.spec.enablePreview) {
          // The status read said Registered but the write says otherwise (provider not refreshed, or eventual
          // consistency): do the whole enablement once for the subscription and try this cluster again.
          retriedAfterEnable = true;
          try {
            await this.enableFully(c.subscriptionId);
            continue;
          } catch (enableError) {
            this.fail(c, enableError);
            break;
          }
        }
        if (isKubeProxyError(error) && error.code === "PlanBlocked") {
          c.status = "skipped";
          c.skipReason = "blocked";
          c.skipMessage = `blocked by validation when applied (the cluster changed since planning); nothing was written: ${error.message}`;
          delete c.phase;
          break;
        }
        this.fail(c, error);
        break;
      }
    }
    c.finishedAt = new Date().toISOString();
    c.durationInMs = Date.now() - started;
    this.finishedThisRun++;
    await this.commitCluster(c);
    this.emitCluster(c);
  }

  /** Marks the cluster changed and writes the journal. */
  private commitCluster(c: JournalCluster): Promise<void> {
    this.file.changed(c);
    return this.file.commit();
  }

  private fail(c: JournalCluster, error: unknown): void {
    c.status = "failed";
    c.error = toJournalError(error);
    const url = (error as { operationUrl?: unknown }).operationUrl;
    if (typeof url === "string") c.operationUrl = url;
  }

  private onApplyProgress(c: JournalCluster, e: ApplyProgress): void {
    const before = c.phase;
    this.file.changed(c);
    if (e.phase === "writing") c.written = true;
    if (e.phase === "accepted") {
      c.phase = "accepted";
      if (e.operationUrl) c.operationUrl = e.operationUrl;
      // Durable as soon as possible: a crash from here on is resumed by re-attaching to this operation.
      void this.commitCluster(c).catch(() => undefined);
    } else if (e.phase === "polling") {
      c.phase = c.phase === "accepted" || c.phase === "polling" ? "polling" : c.phase;
    } else {
      c.phase = e.phase;
    }
    if (c.phase !== before) this.emitCluster(c);
  }

  private emitCluster(c: JournalCluster): void {
    this.emit({
      type: "cluster",
      clusterId: c.id,
      name: c.name,
      status: c.status,
      ...(c.wave !== undefined ? { wave: c.wave } : {}),
      ...(c.phase !== undefined ? { phase: c.phase } : {}),
      ...(c.error ? { error: c.error } : {}),
    });
  }

  private emit(event: RolloutProgressEventBody): void {
    const callback = this.options.onProgress;
    if (!callback) return;
    try {
      callback({ ...event, snapshot: this.snapshot() });
    } catch {
      // a progress callback must never break the rollout
    }
  }

  private snapshot(): RolloutProgressSnapshot {
    const j = this.j;
    // One pass over the clusters, counting per wave without building lists (this runs on every event).
    const zero = (): RolloutCounts => ({ total: 0, pending: 0, inProgress: 0, done: 0, changed: 0, failed: 0, skipped: 0 });
    const counts = zero();
    const perWave = new Map<string, RolloutCounts>(j.waves.map((w) => [w.name, zero()]));
    for (const c of j.clusters) {
      addToCounts(counts, c);
      const w = c.wave === undefined ? undefined : perWave.get(c.wave);
      if (w) addToCounts(w, c);
    }
    const waves: RolloutWaveProgress[] = j.waves.map((w) => ({ name: w.name, status: w.status, ...(perWave.get(w.name) ?? zero()) }));
    const elapsedInMs = Date.now() - this.startedAt;
    let estimatedRemainingInMs: number | undefined;
    if (this.finishedThisRun > 0) {
      const perCluster = Math.max(this.activeMs, elapsedInMs) / this.finishedThisRun;
      const left = counts.pending + counts.inProgress;
      const soakLeft = j.waves
        .filter((w) => w.status === "pending" || w.status === "running")
        .slice(0, -1)
        .reduce((sum, w) => sum + (j.spec.waves.find((s) => s.name === w.name)?.soakTimeInMs ?? j.spec.soakTimeInMs), 0);
      estimatedRemainingInMs = Math.round(left * perCluster + soakLeft);
    }
    const stats = this.limiter.stats();
    return {
      elapsedInMs,
      counts,
      waves,
      throttled: stats.throttled.reads + stats.throttled.writes,
      ...(estimatedRemainingInMs !== undefined ? { estimatedRemainingInMs } : {}),
      ...(this.currentWave !== undefined ? { currentWave: this.currentWave } : {}),
    };
  }
}
