/**
 * Faults on demand, deterministic: each fault is consumed by the next `count` matching
 * requests (or operations, or feature reads), in the order faults were added.
 */
import { MAX_FAULTS } from "./controlValues";
import { safePattern, type PathPattern } from "./safePattern";
import type { FaultSpec } from "./types";

type RequestFault = Extract<FaultSpec, { kind: "status" | "drop" | "drop-response" | "slow" }>;
type LroFault = Extract<FaultSpec, { kind: "lro-failed" }>;
type FlapFault = Extract<FaultSpec, { kind: "feature-flap" }>;
type StateFault = Extract<FaultSpec, { kind: "unknown-state" }>;

interface Active<T> {
  spec: T;
  pattern?: PathPattern;
  remaining: number;
}

/** The faults waiting to happen. */
export class FaultRegistry {
  private requestFaults: Active<RequestFault>[] = [];
  private lroFaults: Active<LroFault>[] = [];
  private flapFaults: Active<FlapFault>[] = [];
  private stateFaults: Active<StateFault>[] = [];

  /** Adds a fault (validates its pattern; refuses more than {@link MAX_FAULTS} active faults). */
  add(fault: FaultSpec): void {
    const active = [...this.requestFaults, ...this.lroFaults, ...this.flapFaults, ...this.stateFaults].filter((f) => f.remaining > 0).length;
    if (active >= MAX_FAULTS) throw new Error(`At most ${MAX_FAULTS} faults can be active at once; clear them (DELETE /_emulator/faults) first.`);
    switch (fault.kind) {
      case "status":
      case "drop":
      case "drop-response":
      case "slow":
        this.requestFaults.push({ spec: fault, pattern: safePattern(fault.pathPattern), remaining: Math.max(0, fault.count) });
        return;
      case "lro-failed":
        this.lroFaults.push({ spec: fault, pattern: safePattern(fault.pathPattern), remaining: Math.max(0, fault.count) });
        return;
      case "unknown-state":
        this.stateFaults.push({ spec: fault, pattern: safePattern(fault.pathPattern), remaining: Math.max(0, fault.count) });
        return;
      case "feature-flap":
        this.flapFaults.push({ spec: fault, remaining: Math.max(0, fault.reads) });
        return;
      default:
        throw new Error(`Unknown fault kind: ${JSON.stringify((fault as { kind?: unknown }).kind)}`);
    }
  }

  /** Removes every fault. */
  clear(): void {
    this.requestFaults = [];
    this.lroFaults = [];
    this.flapFaults = [];
    this.stateFaults = [];
  }

  /** The request fault to apply to this request, consuming one of its count. */
  takeRequestFault(method: string, path: string): RequestFault | undefined {
    for (const f of this.requestFaults) {
      if (f.remaining <= 0) continue;
      if (f.spec.method && f.spec.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!f.pattern?.test(path)) continue;
      f.remaining -= 1;
      return f.spec;
    }
    return undefined;
  }

  /** Whether an operation started on the cluster `resourceId` must fail (consumes one). */
  takeLroFailure(resourceId: string): LroFault | undefined {
    for (const f of this.lroFaults) {
      if (f.remaining <= 0 || !f.pattern?.test(resourceId)) continue;
      f.remaining -= 1;
      return f.spec;
    }
    return undefined;
  }

  /** The state value to show instead in this GET answer of `path`, consuming one (an `unknown-state` fault). */
  takeStateFault(path: string): string | undefined {
    for (const f of this.stateFaults) {
      if (f.remaining <= 0 || !f.pattern?.test(path)) continue;
      f.remaining -= 1;
      return f.spec.value;
    }
    return undefined;
  }

  /** Whether this read of a Registered feature must show Registering (consumes one read). */
  takeFeatureFlap(featureName: string): boolean {
    for (const f of this.flapFaults) {
      if (f.remaining <= 0) continue;
      if (f.spec.featureName && f.spec.featureName.toLowerCase() !== featureName.toLowerCase()) continue;
      f.remaining -= 1;
      return true;
    }
    return false;
  }
}
