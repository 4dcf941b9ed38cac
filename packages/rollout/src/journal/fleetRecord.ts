/**
 * The fleet record: one small document beside the shards' journals, shared by every shard of a rollout, that makes
 * three things fleet-wide: the halt (any shard whose halt rule trips sets it; every shard reads it before each cluster
 * it starts), the failure counts the halt rule judges (each shard publishes its per-wave failed/total; the rule is
 * applied to the sums), and the order of waves (a shard starts wave k+1 only once every shard has finished wave k and
 * its soak). Every change is a read-modify-write conditional on the version read (If-Match), retried on conflict, so
 * concurrent shards never lose each other's updates.
 * @packageDocumentation
 */
import { sleep } from "@aks-kube-proxy/sdk";
import { ValidationError } from "@aks-kube-proxy/sdk";
import type { WaveApproval } from "./journal";
import { applyControlChange, type RolloutControl, type RolloutControlChange } from "./control";

/** The fleet-wide halt. */
export interface FleetHalt {
  /** The shard that set it (`2/3`). */
  readonly shard: string;
  /** The wave whose halt rule tripped. */
  readonly wave: string;
  /** Why. */
  readonly reason: string;
  /** When (ISO 8601). */
  readonly at: string;
}

/** A wave's failures and size summed over the shards that reported it. */
export interface FleetWaveCounts {
  /** Failed clusters in the wave, fleet-wide. */
  readonly failed: number;
  /** Clusters in the wave, over the shards that reported. */
  readonly total: number;
  /** Shards that reported the wave. */
  readonly shardsReporting: number;
}

/** What a shard learns from the fleet record. */
export interface FleetView {
  /** The fleet-wide halt, if any shard set it. */
  readonly halt?: FleetHalt;
  /** The wave's counts, fleet-wide. */
  readonly counts: FleetWaveCounts;
  /** Skip and stop requests (`rollout skip`, `rollout stop`), for every shard. */
  readonly control?: RolloutControl;
}

/** Coordination of one shard with the rest of the fleet. Used by the wave runner. */
export interface FleetCoordinator {
  /** Number of shards. */
  readonly shardCount: number;
  /** This shard (`i/n`). */
  readonly shard: string;
  /** Reads the record: the halt and the wave's fleet-wide counts. */
  check(wave: string): Promise<FleetView>;
  /** Publishes this shard's counts of a wave; returns the fleet's view after the update. */
  report(wave: string, counts: { readonly failed: number; readonly total: number }): Promise<FleetView>;
  /** Sets the fleet-wide halt (first one wins; later ones keep it). */
  halt(halt: { readonly wave: string; readonly reason: string }): Promise<FleetHalt>;
  /**
   * Lifts the fleet-wide halt (`--resume --retry-failed`): clears this shard's failure counts, and its done marks of
   * the waves it runs again (the other shards wait for those again).
   * @param reopenedWaves - the waves this shard reopened
   */
  clearHalt(reopenedWaves: readonly string[]): Promise<void>;
  /** Records that this shard finished a wave and its soak. */
  waveDone(wave: string): Promise<void>;
  /** The fleet-wide approval of a wave (`rollout approve`), if given: one approval for every shard. */
  approval(wave: string): Promise<WaveApproval | undefined>;
  /** Records the fleet-wide approval of a wave (the first one is kept; returns the one recorded). */
  approve(wave: string, approval: WaveApproval): Promise<WaveApproval>;
  /** Records a skip or stop request for every shard. */
  updateControl(change: RolloutControlChange): Promise<{ control: RolloutControl; changed: boolean }>;
  /**
   * Waits until every shard finished `wave` (and its soak), or the fleet halted.
   * @param onWaiting - called at each poll with the shards still running it
   */
  waitForWave(wave: string, options: { readonly abortSignal?: AbortSignal; readonly onWaiting?: (shards: readonly number[]) => void }): Promise<FleetView>;
  /** Requests to the store so far. */
  readonly requests: number;
}

/** A document with a version, written only if the version is still the one read. */
export interface ConditionalDocument {
  /** Reads it; undefined when it does not exist. */
  read(): Promise<{ readonly text: string; readonly version: string } | undefined>;
  /**
   * Writes it if its version is still `version` (undefined: only if it does not exist).
   * @returns the new version, or `conflict` when someone else wrote first
   */
  write(text: string, version: string | undefined): Promise<string | "conflict">;
  /** Requests made so far. */
  readonly requests: number;
}

/** The kind marker of a fleet record. */
export const FLEET_RECORD_KIND = "aks-kube-proxy.rollout-fleet";

interface ShardWave {
  failed: number;
  total: number;
  done?: boolean;
}

/** The fleet record's content. @internal */
export interface FleetRecord {
  kind: typeof FLEET_RECORD_KIND;
  version: 1;
  specHash: string;
  shardCount: number;
  halt?: FleetHalt;
  /** wave name → its approval (`rollout approve`), one for the fleet. */
  approvals?: Record<string, WaveApproval>;
  /** Skip and stop requests. */
  control?: RolloutControl;
  /** wave name → shard index → counts. */
  waves: Record<string, Record<string, ShardWave>>;
}

/** Options of {@link DocumentFleetCoordinator}. */
export interface FleetCoordinatorOptions {
  /** Where the record is kept. */
  readonly document: ConditionalDocument;
  /** The rollout's spec hash (a record of another rollout is refused). */
  readonly specHash: string;
  /** This shard's index (1-based) and the shard count. */
  readonly shard: { readonly index: number; readonly count: number };
  /** Where the record lives, for messages. */
  readonly location: string;
  /** Poll interval while waiting for the other shards. @default 5000 */
  readonly pollIntervalInMs?: number;
}

function emptyView(): FleetView {
  return { counts: { failed: 0, total: 0, shardsReporting: 0 } };
}

/** The fleet coordinator over a conditional document (a blob). @internal */
export class DocumentFleetCoordinator implements FleetCoordinator {
  readonly shardCount: number;
  readonly shard: string;
  private readonly key: string;

  /** @param options - document, spec hash, shard, poll interval */
  constructor(private readonly options: FleetCoordinatorOptions) {
    this.shardCount = options.shard.count;
    this.shard = `${options.shard.index}/${options.shard.count}`;
    this.key = String(options.shard.index);
  }

  get requests(): number {
    return this.options.document.requests;
  }

  private parse(text: string): FleetRecord {
    let v: FleetRecord;
    try {
      v = JSON.parse(text) as FleetRecord;
    } catch {
      throw new ValidationError(`fleet record ${this.options.location} is not valid JSON; delete it to let the shards rebuild it.`, [{ path: "$", message: "not valid JSON" }]);
    }
    if (v?.kind !== FLEET_RECORD_KIND || typeof v.waves !== "object" || v.waves === null) {
      throw new ValidationError(`${this.options.location} is not a rollout fleet record.`, [{ path: "$.kind", message: "not a fleet record", found: String(v?.kind) }]);
    }
    if (v.specHash !== this.options.specHash) {
      throw new ValidationError(
        `the fleet record ${this.options.location} belongs to another rollout (or another version of the rollout file): every shard of one rollout must run the same file. Use another journal folder for a new rollout.`,
        [{ path: "$.specHash", message: "another rollout", found: v.specHash }],
      );
    }
    return v;
  }

  private async read(): Promise<{ record: FleetRecord | undefined; version: string | undefined }> {
    const got = await this.options.document.read();
    return got ? { record: this.parse(got.text), version: got.version } : { record: undefined, version: undefined };
  }

  private view(record: FleetRecord | undefined, wave: string): FleetView {
    if (!record) return emptyView();
    const shards = Object.values(record.waves[wave] ?? {});
    return {
      ...(record.halt ? { halt: record.halt } : {}),
      ...(record.control ? { control: record.control } : {}),
      counts: { failed: shards.reduce((n, s) => n + s.failed, 0), total: shards.reduce((n, s) => n + s.total, 0), shardsReporting: shards.length },
    };
  }

  /** Read-modify-write, retried while another shard wins the race. `change` returns false when nothing needs writing. */
  private async update(change: (r: FleetRecord) => boolean): Promise<FleetRecord> {
    for (let attempt = 0; ; attempt++) {
      const { record, version } = await this.read();
      const r: FleetRecord = record ?? { kind: FLEET_RECORD_KIND, version: 1, specHash: this.options.specHash, shardCount: this.shardCount, waves: {} };
      if (!change(r) && record) return r;
      const written = await this.options.document.write(`${JSON.stringify(r, null, 2)}\n`, version);
      if (written !== "conflict") return r;
      if (attempt >= 50) throw new Error(`fleet record ${this.options.location}: gave up after 50 conflicting writes`);
      await sleep(5 + Math.random() * 20 * Math.min(attempt + 1, 10), undefined);
    }
  }

  async check(wave: string): Promise<FleetView> {
    return this.view((await this.read()).record, wave);
  }

  async report(wave: string, counts: { readonly failed: number; readonly total: number }): Promise<FleetView> {
    const r = await this.update((rec) => {
      const w = (rec.waves[wave] ??= {});
      const mine = w[this.key];
      if (mine && mine.failed === counts.failed && mine.total === counts.total) return false;
      w[this.key] = { ...mine, failed: counts.failed, total: counts.total };
      return true;
    });
    return this.view(r, wave);
  }

  async halt(halt: { readonly wave: string; readonly reason: string }): Promise<FleetHalt> {
    const mine: FleetHalt = { shard: this.shard, wave: halt.wave, reason: halt.reason, at: new Date().toISOString() };
    const r = await this.update((rec) => {
      if (rec.halt) return false;
      rec.halt = mine;
      return true;
    });
    return r.halt ?? mine;
  }

  async clearHalt(reopenedWaves: readonly string[]): Promise<void> {
    const reopened = new Set(reopenedWaves);
    await this.update((rec) => {
      let changed = rec.halt !== undefined;
      delete rec.halt;
      for (const [name, w] of Object.entries(rec.waves)) {
        const mine = w[this.key];
        if (mine && mine.failed !== 0) {
          mine.failed = 0;
          changed = true;
        }
        if (mine?.done && reopened.has(name)) {
          delete mine.done;
          changed = true;
        }
      }
      return changed;
    });
  }

  async waveDone(wave: string): Promise<void> {
    await this.update((rec) => {
      const w = (rec.waves[wave] ??= {});
      const mine = (w[this.key] ??= { failed: 0, total: 0 });
      if (mine.done) return false;
      mine.done = true;
      return true;
    });
  }

  async approval(wave: string): Promise<WaveApproval | undefined> {
    return (await this.read()).record?.approvals?.[wave];
  }

  async approve(wave: string, approval: WaveApproval): Promise<WaveApproval> {
    const r = await this.update((rec) => {
      if (rec.approvals?.[wave]) return false;
      (rec.approvals ??= {})[wave] = approval;
      return true;
    });
    return r.approvals?.[wave] ?? approval;
  }

  async updateControl(change: RolloutControlChange): Promise<{ control: RolloutControl; changed: boolean }> {
    let changed = false;
    const r = await this.update((rec) => {
      rec.control ??= { skipClusters: [], skipWaves: [] };
      changed = applyControlChange(rec.control, change);
      return changed;
    });
    return { control: r.control ?? { skipClusters: [], skipWaves: [] }, changed };
  }

  async waitForWave(wave: string, options: { readonly abortSignal?: AbortSignal; readonly onWaiting?: (shards: readonly number[]) => void }): Promise<FleetView> {
    for (;;) {
      const { record } = await this.read();
      const view = this.view(record, wave);
      if (view.halt) return view;
      const done = record?.waves[wave] ?? {};
      const missing: number[] = [];
      for (let i = 1; i <= this.shardCount; i++) if (!done[String(i)]?.done) missing.push(i);
      if (missing.length === 0) return view;
      options.onWaiting?.(missing);
      await sleep(this.options.pollIntervalInMs ?? 5000, options.abortSignal, `waiting for shards ${missing.join(", ")} to finish wave ${wave}`);
    }
  }
}
