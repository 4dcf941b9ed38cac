/**
 * The apply poller's state: what it knows at each phase, and its serialized form (what a journal stores to resume a
 * write in another process).
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { OperationState, OperationStatus } from "../poller/types";
import type { ResolvedClusterRef } from "../clusterRef";
import type { Convergence } from "../convergence";
import type { PlannedRead } from "../plan";
import { ValidationError } from "../errors";
import type { ApplyResult } from "./result";

/**
 * Where an apply stands:
 * - `read`: read the cluster and classify it (waits out an operation in flight);
 * - `write`: the PUT is about to leave or has left (see `writeMayHaveBeenSent`);
 * - `operation`: Azure accepted the PUT; following its operation URL;
 * - `verify`: the operation ended Succeeded (or is gone); read back and classify;
 * - `done`: finished (see `status`).
 */
export type ApplyPhase = "read" | "write" | "operation" | "verify" | "done";

/** How Azure said to follow an operation: the `Azure-AsyncOperation` header (status body) or `Location` (202 until done). */
export type OperationUrlKind = "Azure-AsyncOperation" | "Location";

/** The state of an apply poller (core-lro `OperationState` plus what a resume needs). */
export interface ApplyOperationState extends OperationState<ApplyResult> {
  /** core-lro status: notStarted, running, succeeded, failed, canceled. */
  status: OperationStatus;
  /** Where the apply stands. */
  phase: ApplyPhase;
  /** The cluster. */
  readonly cluster: ResolvedClusterRef;
  /** The settings to converge to (parsed). */
  readonly desired: KubeProxyConfig;
  /** The caller means `enabled: false`. */
  readonly allowDisable: boolean;
  /** Write even when the api-version returns no eTag (no If-Match). */
  readonly allowWriteWithoutEtag: boolean;
  /** The eTag of the read the (next or last) write is based on; its PUT carries it in If-Match. */
  etag?: string;
  /** kubeProxyConfig before this apply first wrote (`null`: never set); what a rollback restores. Set at the first read. */
  previousKubeProxyConfig?: KubeProxyConfig | null;
  /** The operation of the accepted write, with the header it came in. */
  operation?: { readonly url: string; readonly kind: OperationUrlKind };
  /** True from just before the PUT leaves until Azure's answer says it was refused: a resume must not assume it was not applied. */
  writeMayHaveBeenSent: boolean;
  /** True once Azure accepted a PUT of this apply (200/201/202). */
  writeAccepted: boolean;
  /** PUTs Azure accepted. */
  writes: number;
  /** 409s (another operation in progress, EtagMismatch) met so far; bounded. */
  conflicts: number;
  /** 412s (the cluster changed between read and write) met so far; bounded. */
  preconditionFailures: number;
  /** PUTs whose answer was lost in transport so far; bounded by `MAX_LOST_WRITE_ANSWERS` (absent: none). */
  lostWriteAnswers?: number;
  /** The last classification of a read. */
  lastConvergence?: Convergence;
  /**
   * Set when applying a plan (`beginApply(plan)`): the read the plan was made from. Until a write was sent, a read that
   * differs from it (eTag, settings, provisioningState) refuses the apply as stale (`PlanStale`), and every write
   * carries `If-Match` on its eTag.
   */
  plannedRead?: PlannedRead;
}

/** Marker of a serialized apply poller. */
export const APPLY_POLLER_STATE_KIND = "aks-kube-proxy/apply-poller";

/** Version of the serialized form. */
export const APPLY_POLLER_STATE_VERSION = 1;

/** The serialized form: `{ kind, version, state }`, JSON. */
export interface SerializedApplyPoller {
  readonly kind: typeof APPLY_POLLER_STATE_KIND;
  readonly version: typeof APPLY_POLLER_STATE_VERSION;
  readonly state: Omit<ApplyOperationState, "result" | "error">;
}

/**
 * Serializes a state (without its result and error).
 * @internal
 */
export function serializeApplyState(state: ApplyOperationState): string {
  const { result: _result, error: _error, ...rest } = state;
  const out: SerializedApplyPoller = { kind: APPLY_POLLER_STATE_KIND, version: APPLY_POLLER_STATE_VERSION, state: JSON.parse(JSON.stringify(rest)) as SerializedApplyPoller["state"] };
  return JSON.stringify(out);
}

const PHASES: readonly ApplyPhase[] = ["read", "write", "operation", "verify", "done"];
const STATUSES: readonly OperationStatus[] = ["notStarted", "running", "succeeded", "failed", "canceled"];

function invalid(why: string): never {
  throw new ValidationError(`Not a serialized apply poller: ${why}. Pass the exact string serialize() returned.`, [{ path: "$", message: why }]);
}

/**
 * Parses and checks a serialized state.
 * @param serialized - what `serialize()` returned
 * @throws {@link ValidationError} when it is not one
 * @internal
 */
export function parseApplyState(serialized: string): ApplyOperationState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(serialized);
  } catch {
    invalid("not JSON");
  }
  if (typeof parsed !== "object" || parsed === null) invalid("not an object");
  const p = parsed as Partial<SerializedApplyPoller>;
  if (p.kind !== APPLY_POLLER_STATE_KIND) invalid(`kind is ${JSON.stringify(p.kind)}`);
  if (p.version !== APPLY_POLLER_STATE_VERSION) invalid(`version ${JSON.stringify(p.version)} is not ${APPLY_POLLER_STATE_VERSION}`);
  const s = p.state as Partial<ApplyOperationState> | undefined;
  if (!s || typeof s !== "object") invalid("no state");
  const c = s.cluster;
  if (!c || typeof c.subscriptionId !== "string" || typeof c.resourceGroup !== "string" || typeof c.name !== "string") invalid("state.cluster is not {subscriptionId, resourceGroup, name}");
  if (typeof s.desired !== "object" || s.desired === null) invalid("state.desired is missing");
  if (!PHASES.includes(s.phase as ApplyPhase)) invalid(`state.phase ${JSON.stringify(s.phase)} is unknown`);
  if (!STATUSES.includes(s.status as OperationStatus)) invalid(`state.status ${JSON.stringify(s.status)} is unknown`);
  if (typeof s.writeMayHaveBeenSent !== "boolean" || typeof s.writeAccepted !== "boolean") invalid("state.writeMayHaveBeenSent / writeAccepted must be booleans");
  if (s.operation !== undefined && (typeof s.operation.url !== "string" || (s.operation.kind !== "Azure-AsyncOperation" && s.operation.kind !== "Location"))) invalid("state.operation must be {url, kind: Azure-AsyncOperation|Location}");
  const p0 = s.plannedRead as Partial<PlannedRead> | undefined;
  if (p0 !== undefined && (typeof p0 !== "object" || p0 === null || typeof p0.effective !== "object" || p0.effective === null || (p0.etag !== undefined && typeof p0.etag !== "string"))) {
    invalid("state.plannedRead must be {etag?, effective, provisioningState?}");
  }
  const plannedRead: PlannedRead | undefined = p0
    ? { effective: p0.effective as PlannedRead["effective"], ...(typeof p0.etag === "string" ? { etag: p0.etag } : {}), ...(typeof p0.provisioningState === "string" ? { provisioningState: p0.provisioningState } : {}) }
    : undefined;
  return {
    status: s.status as OperationStatus,
    phase: s.phase as ApplyPhase,
    cluster: { subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, name: c.name },
    desired: s.desired as KubeProxyConfig,
    allowDisable: s.allowDisable === true,
    allowWriteWithoutEtag: s.allowWriteWithoutEtag === true,
    ...(typeof s.etag === "string" ? { etag: s.etag } : {}),
    ...(s.previousKubeProxyConfig !== undefined ? { previousKubeProxyConfig: s.previousKubeProxyConfig } : {}),
    ...(s.operation ? { operation: { url: s.operation.url, kind: s.operation.kind } } : {}),
    writeMayHaveBeenSent: s.writeMayHaveBeenSent,
    writeAccepted: s.writeAccepted,
    writes: typeof s.writes === "number" ? s.writes : 0,
    conflicts: typeof s.conflicts === "number" ? s.conflicts : 0,
    preconditionFailures: typeof s.preconditionFailures === "number" ? s.preconditionFailures : 0,
    ...(typeof s.lostWriteAnswers === "number" ? { lostWriteAnswers: s.lostWriteAnswers } : {}),
    ...(s.lastConvergence ? { lastConvergence: s.lastConvergence } : {}),
    ...(plannedRead ? { plannedRead } : {}),
  };
}
