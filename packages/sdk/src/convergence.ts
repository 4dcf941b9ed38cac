/**
 * The one definition of "converged": a pure classifier of what a read of a cluster returned, used by plan, apply,
 * status, rollout, rollback and the Pulumi provider. A cluster is converged only when Azure says so: the desired
 * settings, `provisioningState` Succeeded, and no operation in flight.
 * @packageDocumentation
 */
import { UnknownClusterStateError, UnknownOperationStatusError } from "./errors";
import type { Finding } from "./findings";
import type { FieldChange } from "./settings/effective";

/** provisioningStates after which no operation runs and the last one succeeded. @internal */
const SUCCEEDED = ["succeeded"];
/** provisioningStates that end an operation that did not succeed: the cluster must be written again to reconcile. @internal */
const NEEDS_RECONCILE = ["failed", "canceled", "cancelled"];
/**
 * provisioningStates of a cluster with an operation in flight (AKS reports the kind of operation). An unknown state is
 * never guessed into one of these: it fails loudly.
 */
export const IN_FLIGHT_PROVISIONING_STATES: readonly string[] = [
  "Creating",
  "Updating",
  "Upgrading",
  "Scaling",
  "Deleting",
  "Migrating",
  "Starting",
  "Stopping",
  "Canceling",
  "Reconciling",
  "RotatingClusterCertificates",
];
const IN_FLIGHT = IN_FLIGHT_PROVISIONING_STATES.map((s) => s.toLowerCase());

/** What a cluster's `provisioningState` alone says, without looking at settings. */
export type ProvisioningClass = "succeeded" | "in-flight" | "needs-reconcile";

/**
 * Classifies a `provisioningState` alone. Throws {@link UnknownClusterStateError} for a state this SDK does not know
 * (or none at all): guessing could mean writing over a running operation or reporting a broken cluster as converged.
 * @param provisioningState - as read
 * @param what - the cluster, for the error message
 */
export function classifyProvisioningState(provisioningState: string | undefined, what = "the cluster"): ProvisioningClass {
  const folded = (provisioningState ?? "").toLowerCase();
  if (SUCCEEDED.includes(folded)) return "succeeded";
  if (NEEDS_RECONCILE.includes(folded)) return "needs-reconcile";
  if (IN_FLIGHT.includes(folded)) return "in-flight";
  throw new UnknownClusterStateError(
    `${what} reads provisioningState ${provisioningState === undefined ? "(absent)" : JSON.stringify(provisioningState)}, which this SDK does not know; nothing was written. Known: Succeeded, Failed, Canceled, ${IN_FLIGHT_PROVISIONING_STATES.join(", ")}. Check the cluster in the Azure portal and report the state if it is new.`,
    { provisioningState: provisioningState ?? null },
  );
}

/**
 * Running statuses of an ARM operation status resource (the `status` of an `Azure-AsyncOperation` answer). ARM's
 * terminal statuses are Succeeded, Failed and Canceled; AKS answers InProgress while an operation runs (recordings in
 * ../shared), and ARM documents Accepted and Running as the generic running values. The provisioningStates of an
 * operation in flight ({@link IN_FLIGHT_PROVISIONING_STATES}) are accepted too. Any other value is unknown: it fails
 * loudly ({@link UnknownOperationStatusError}) instead of being polled until the deadline.
 */
export const RUNNING_OPERATION_STATUSES: readonly string[] = ["InProgress", "Accepted", "Running", "NotStarted", ...IN_FLIGHT_PROVISIONING_STATES];
const RUNNING = RUNNING_OPERATION_STATUSES.map((s) => s.toLowerCase());

/** What an operation's `status` says: still running, or ended (succeeded, or failed: Failed/Canceled). */
export type OperationStatusClass = "running" | "succeeded" | "failed";

/**
 * Classifies an operation's `status`. Throws {@link UnknownOperationStatusError} for a value this SDK does not know:
 * guessing "running" would wait out the whole deadline, guessing "ended" would report a result nobody read.
 * @param status - the `status` of the operation status resource, as read
 * @param operationUrl - the operation, for the error
 * @param what - what was being waited for (e.g. "update kubeProxyConfig of rg/aks"), for the error message
 */
export function classifyOperationStatus(status: string, operationUrl: string, what = "the operation"): OperationStatusClass {
  const folded = status.toLowerCase();
  if (SUCCEEDED.includes(folded)) return "succeeded";
  if (NEEDS_RECONCILE.includes(folded)) return "failed";
  if (RUNNING.includes(folded)) return "running";
  throw new UnknownOperationStatusError(
    `${what}: the operation ${operationUrl} reports status ${JSON.stringify(status)}, which this SDK does not know, so it stopped waiting at once instead of guessing. Known: Succeeded, Failed, Canceled, and running: ${RUNNING_OPERATION_STATUSES.slice(0, 4).join(", ")} and the provisioningStates of an operation in flight. The operation may still run in Azure: wait for the cluster's provisioningState to end (read the cluster), and report the status if it is new.`,
    { status, operationUrl },
  );
}

/**
 * True only when the classification is converged: the desired settings, Succeeded, no operation in flight. Every
 * other kind (an operation in flight whose result is not known yet included) is "not converged".
 * @param c - a classification
 */
export function isConverged(c: Convergence): boolean {
  return c.kind === "converged";
}

/** The classification of one read of a cluster against desired settings. `kind` says what to do next. */
export type Convergence =
  /** Desired settings, Succeeded, nothing in flight: nothing to write. */
  | { readonly kind: "converged"; readonly provisioningState: string }
  /** An operation is running: wait for it (never write over it), then read and classify again. */
  | { readonly kind: "in-flight"; readonly provisioningState: string; readonly reason: string }
  /** Failed or Canceled with the desired settings: write the same settings again (with If-Match), as `az aks update` does. */
  | { readonly kind: "needs-reconcile"; readonly provisioningState: string; readonly reason: string }
  /** The settings differ: write. `provisioningState` may also be Failed/Canceled (the write reconciles it too). */
  | { readonly kind: "drifted"; readonly provisioningState: string; readonly changes: readonly FieldChange[]; readonly reason: string }
  /** The settings differ but a rule blocks the write. */
  | { readonly kind: "blocked"; readonly provisioningState: string; readonly blockers: readonly Finding[]; readonly reason: string };

/** What {@link classifyConvergence} looks at. */
export interface ClassifyConvergenceArgs {
  /** The cluster's `provisioningState` as read. */
  readonly provisioningState: string | undefined;
  /** Field-by-field differences between the effective settings read and the desired ones. */
  readonly changes: readonly FieldChange[];
  /** Blocking findings of the change (only meaningful when `changes` is not empty). */
  readonly blockers: readonly Finding[];
  /** The cluster, for messages ("rg/name"). */
  readonly cluster?: string;
}

/**
 * Classifies one read of a cluster. Order matters: an operation in flight wins over everything (its result is not
 * known yet); then blockers of a needed change; then a settings difference; then Failed/Canceled with the desired
 * settings (a reconcile); else converged.
 * @param args - provisioningState, changes, blockers
 * @throws {@link UnknownClusterStateError} for a provisioningState this SDK does not know
 */
export function classifyConvergence(args: ClassifyConvergenceArgs): Convergence {
  const state = args.provisioningState ?? "";
  const provisioning = classifyProvisioningState(args.provisioningState, args.cluster);
  if (provisioning === "in-flight") {
    return { kind: "in-flight", provisioningState: state, reason: `an operation is in flight (provisioningState ${state}); its result decides what is left to do` };
  }
  if (args.changes.length > 0) {
    const fields = args.changes.map((c) => c.path).join(", ");
    if (args.blockers.length > 0) return { kind: "blocked", provisioningState: state, blockers: args.blockers, reason: `${fields} differ but ${args.blockers.map((b) => b.id).join(", ")} blocks the change` };
    const also = provisioning === "needs-reconcile" ? ` (and the last operation ended ${state})` : "";
    return { kind: "drifted", provisioningState: state, changes: args.changes, reason: `${fields} differ${also}` };
  }
  if (provisioning === "needs-reconcile") {
    return {
      kind: "needs-reconcile",
      provisioningState: state,
      reason: `the settings match but the last operation ended ${state}: the same settings are written again to reconcile the cluster`,
    };
  }
  return { kind: "converged", provisioningState: state };
}

/**
 * True when the classification calls for a write (drifted or needs-reconcile).
 * @param c - a classification
 */
export function needsWrite(c: Convergence): boolean {
  return c.kind === "drifted" || c.kind === "needs-reconcile";
}
