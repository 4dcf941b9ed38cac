/**
 * Typed errors. Every error the SDK throws extends {@link KubeProxyError}: a stable `code`, the ARM error code and
 * request id when Azure answered, and a message that says what to do next. Tokens never appear in them.
 * @packageDocumentation
 */
import type { Finding } from "./findings";

const BRAND = Symbol.for("aks-kube-proxy.error");

/** Details shared by every {@link KubeProxyError}. */
export interface KubeProxyErrorDetails {
  /** The ARM error code (`error.code` of the response body), when Azure answered with one. */
  readonly armCode?: string;
  /** The `x-ms-request-id` of the response that failed, when there was one. */
  readonly requestId?: string;
  /** The HTTP status code, when there was a response. */
  readonly statusCode?: number;
  /** The underlying error. */
  readonly cause?: unknown;
  /** The operation URL of an accepted write, when the error came after Azure accepted one. */
  readonly operationUrl?: string;
  /** True when Azure accepted a write before this error: the change may still be running or done. */
  readonly writeAccepted?: boolean;
  /** True when a write may have reached Azure (sent, answer not seen). */
  readonly writeMayHaveBeenSent?: boolean;
  /** The serialized apply poller to re-attach with (`KubeProxyClient.restoreApplyPoller`), when a write may have been sent. */
  readonly resumeState?: string;
}

/**
 * Base class of every SDK error. Test with {@link isKubeProxyError} (works across two copies of the package, where
 * `instanceof` does not).
 */
export class KubeProxyError extends Error {
  /** Stable, documented code (e.g. `ValidationError`, `ClusterBusy`). */
  readonly code: string;
  /** The ARM error code, when Azure answered with one. */
  readonly armCode?: string;
  /** The ARM request id (`x-ms-request-id`) of the failing response. */
  readonly requestId?: string;
  /** HTTP status code of the failing response. */
  readonly statusCode?: number;
  /** The operation URL to follow (re-attach to), when the error came after Azure accepted a write. */
  readonly operationUrl?: string;
  /** True when Azure accepted a write before this error: do not write again blindly, re-attach or re-read first. */
  readonly writeAccepted?: boolean;
  /** True when a write may have reached Azure (it was sent and its answer not seen, or it was accepted). */
  readonly writeMayHaveBeenSent?: boolean;
  /** Serialized apply poller state to re-attach with `KubeProxyClient.restoreApplyPoller`, when a write may have been sent. */
  readonly resumeState?: string;

  /**
   * @param code - stable error code
   * @param message - what happened and what to do next
   * @param details - ARM code, request id, status code, cause
   */
  constructor(code: string, message: string, details: KubeProxyErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    if (details.armCode !== undefined) this.armCode = details.armCode;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.statusCode !== undefined) this.statusCode = details.statusCode;
    if (details.operationUrl !== undefined) this.operationUrl = details.operationUrl;
    if (details.writeAccepted !== undefined) this.writeAccepted = details.writeAccepted;
    if (details.writeMayHaveBeenSent !== undefined) this.writeMayHaveBeenSent = details.writeMayHaveBeenSent;
    if (details.resumeState !== undefined) this.resumeState = details.resumeState;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True when `x` is an error thrown by this SDK (any copy of it).
 * @param x - anything caught
 */
export function isKubeProxyError(x: unknown): x is KubeProxyError {
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
}

/** One problem found in a settings document or an argument. */
export interface ValidationIssue {
  /** JSON path of the offending value, e.g. `$.ipvsConfig.tcpTimeoutSeconds`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** The value found (omitted when absent). */
  readonly found?: unknown;
  /** What is allowed, in words. */
  readonly allowed?: string;
  /** A did-you-mean, when the value is close to an allowed one. */
  readonly suggestion?: string;
}

/** Input was refused before anything was sent. `issues` lists every problem with its JSON path. */
export class ValidationError extends KubeProxyError {
  /** Every problem found. */
  readonly issues: readonly ValidationIssue[];
  /**
   * @param message - summary; the issues follow in it
   * @param issues - every problem found, with its path
   */
  constructor(message: string, issues: readonly ValidationIssue[] = [], details: KubeProxyErrorDetails = {}) {
    super("ValidationError", message, details);
    this.issues = issues;
  }
}

/** The plan has blockers (e.g. IPVS with Azure Network Policy); nothing was written. */
export class PlanBlockedError extends KubeProxyError {
  /** The blocking findings. */
  readonly findings: readonly Finding[];
  /** @param findings - the blockers */
  constructor(findings: readonly Finding[], clusterName?: string) {
    const where = clusterName ? ` for cluster ${clusterName}` : "";
    super(
      "PlanBlocked",
      `The change${where} is blocked, nothing was written:\n${findings.map((f) => `  - [${f.id}] ${f.message}`).join("\n")}`,
    );
    this.findings = findings;
  }
}

/** The preview is not enabled on the subscription (ARM `KubeProxyConfigFeatureNotRegistered`). */
export class PreviewNotEnabledError extends KubeProxyError {
  /** @param message - ARM's message, when there is one */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("PreviewNotEnabled", message, details);
  }
}

/** The feature flag is `Pending`: it needs approval, waiting will not help. */
export class FeatureApprovalRequiredError extends KubeProxyError {
  /** @param message - what to do */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("FeatureApprovalRequired", message, details);
  }
}

/** Enabling the preview did not finish within the timeout. */
export class FeatureRegistrationTimeoutError extends KubeProxyError {
  /** Which step was stuck. */
  readonly step: "feature" | "provider";
  /** The last state read for that step. */
  readonly lastState: string;
  /** @param message - names the stuck state and what to run next */
  constructor(message: string, args: { step: "feature" | "provider"; lastState: string }, details: KubeProxyErrorDetails = {}) {
    super("FeatureRegistrationTimeout", message, details);
    this.step = args.step;
    this.lastState = args.lastState;
  }
}

/** The cluster (or its resource group) does not exist. */
export class ClusterNotFoundError extends KubeProxyError {
  /** @param message - names the cluster */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("ClusterNotFound", message, details);
  }
}

/** Another operation is running on the cluster (409 `OperationNotAllowed`) and did not finish within the timeout. */
export class ClusterBusyError extends KubeProxyError {
  /** @param message - what to do */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("ClusterBusy", message, details);
  }
}

/** The cluster changed between our read and our write (412 on `If-Match`), again after one re-read. */
export class PreconditionFailedError extends KubeProxyError {
  /** @param message - what to do */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("PreconditionFailed", message, details);
  }
}

/**
 * The cluster changed since the plan was made (its eTag, or its settings, differ from the ones planned; or Azure
 * answered 412 to the write's `If-Match` on the planned eTag): the plan is stale and was not applied. `changed` says
 * what moved; plan again (and confirm again) to apply.
 */
export class PlanStaleError extends KubeProxyError {
  /** The cluster's resource id. */
  readonly clusterId: string;
  /** What changed since the plan, one short line each (e.g. `eTag "a" → "b"`, `mode: IPVS → IPTABLES`). */
  readonly changed: readonly string[];
  /**
   * @param message - names the cluster, what changed and how to re-plan
   * @param args - the cluster id and what changed
   */
  constructor(message: string, args: { clusterId: string; changed: readonly string[] }, details: KubeProxyErrorDetails = {}) {
    super("PlanStale", message, details);
    this.clusterId = args.clusterId;
    this.changed = args.changed;
  }
}

/** 401 or 403: the credential is missing, invalid, or lacks permission. */
export class UnauthorizedError extends KubeProxyError {
  /** @param message - what to do */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("Unauthorized", message, details);
  }
}

/** Azure refused the kubeProxyConfig itself (`KubeProxyConfigFieldUnsupported`, `KubeProxyConfigValueUnsupported`, `KubeProxyConfigDisabledBYOCNIOnly`). */
export class SettingsRejectedError extends KubeProxyError {
  /** @param message - ARM's reason and what to change */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("SettingsRejected", message, details);
  }
}

/** A long-running operation ended `Failed` or `Canceled`; `armCode` is the operation's error code. */
export class OperationFailedError extends KubeProxyError {
  /** The terminal status (`Failed`, `Canceled`). */
  readonly status: string;
  /** @param message - ARM's error message */
  constructor(message: string, args: { status: string; operationUrl?: string }, details: KubeProxyErrorDetails = {}) {
    super("OperationFailed", message, { ...(args.operationUrl !== undefined ? { operationUrl: args.operationUrl } : {}), ...details });
    this.status = args.status;
  }
}

/** A wait did not finish within its `timeoutInMs`. */
export class OperationTimeoutError extends KubeProxyError {
  /** The last state seen. */
  readonly lastState?: string;
  /** @param message - names the state and what to run next */
  constructor(message: string, args: { lastState?: string; operationUrl?: string } = {}, details: KubeProxyErrorDetails = {}) {
    super("Timeout", message, { ...(args.operationUrl !== undefined ? { operationUrl: args.operationUrl } : {}), ...details });
    if (args.lastState !== undefined) this.lastState = args.lastState;
  }
}

/** The caller's `AbortSignal` fired. */
export class AbortedError extends KubeProxyError {
  /** @param message - what was interrupted and in which state it was left */
  constructor(message = "The operation was aborted.", args: { operationUrl?: string } = {}, details: KubeProxyErrorDetails = {}) {
    super("Aborted", message, { ...(args.operationUrl !== undefined ? { operationUrl: args.operationUrl } : {}), ...details });
  }
}

/** Any other error answered by Azure Resource Manager. */
export class ArmError extends KubeProxyError {
  /** @param message - ARM's message */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("ArmError", message, details);
  }
}

/** createCluster found a cluster of that name: it never modifies an existing cluster. */
export class ClusterExistsError extends KubeProxyError {
  /** @param message - what to do */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("ClusterExists", message, details);
  }
}

/** Azure reported success but reading the cluster back shows other settings than those written. */
export class VerificationFailedError extends KubeProxyError {
  /** @param message - what was expected and found */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("VerificationFailed", message, details);
  }
}

/** A cluster reads a `provisioningState` the SDK does not know (or none): nothing is guessed and nothing is written. */
export class UnknownClusterStateError extends KubeProxyError {
  /** The provisioningState read (null when absent). */
  readonly provisioningState: string | null;
  /** @param message - what was read */
  constructor(message: string, args: { provisioningState: string | null }, details: KubeProxyErrorDetails = {}) {
    super("UnknownClusterState", message, details);
    this.provisioningState = args.provisioningState;
  }
}

/**
 * An operation status URL answered a `status` this SDK does not know (neither Succeeded, Failed, Canceled nor a known
 * running status): nothing is guessed, the wait stops at once instead of polling until its deadline. The operation may
 * still run in Azure: `operationUrl` names it.
 */
export class UnknownOperationStatusError extends KubeProxyError {
  /** The status read (null when the answer had none where one was expected). */
  readonly status: string | null;
  /** @param message - the value, the operation URL and what to do */
  constructor(message: string, args: { status: string | null; operationUrl: string }, details: KubeProxyErrorDetails = {}) {
    super("UnknownOperationStatus", message, { operationUrl: args.operationUrl, ...details });
    this.status = args.status;
  }
}

/**
 * The api-version returns no eTag, so a write could not carry `If-Match` and could overwrite a concurrent change
 * (node counts, tags). Refused unless the caller opts in (`allowWriteWithoutEtag`).
 */
export class EtagUnavailableError extends KubeProxyError {
  /** @param message - what to do */
  constructor(message: string, details: KubeProxyErrorDetails = {}) {
    super("EtagUnavailable", message, details);
  }
}

/** Azure kept answering 429 (or 503) after a bounded number of attempts. */
export class ThrottledError extends KubeProxyError {
  /** The wait Azure last asked for, in ms, when it said. */
  readonly retryAfterInMs?: number;
  /** @param message - what to do */
  constructor(message: string, args: { retryAfterInMs?: number } = {}, details: KubeProxyErrorDetails = {}) {
    super("Throttled", message, details);
    if (args.retryAfterInMs !== undefined) this.retryAfterInMs = args.retryAfterInMs;
  }
}

/**
 * Returns `error` with the write context of an apply attached (operation URL, whether the write was accepted or may
 * have been sent, the poller state to resume with) and a sentence saying so appended to its message, once.
 * @internal
 */
export function withWriteContext(error: KubeProxyError, context: { operationUrl?: string; writeAccepted: boolean; writeMayHaveBeenSent: boolean; resumeState?: string }): KubeProxyError {
  if (!context.writeAccepted && !context.writeMayHaveBeenSent) return error;
  const target = error as { -readonly [K in keyof KubeProxyError]: KubeProxyError[K] };
  if (context.operationUrl !== undefined && target.operationUrl === undefined) target.operationUrl = context.operationUrl;
  target.writeAccepted = context.writeAccepted;
  target.writeMayHaveBeenSent = context.writeMayHaveBeenSent;
  if (context.resumeState !== undefined) target.resumeState = context.resumeState;
  const marker = "Azure accepted the write";
  const unsure = "The write may have reached Azure";
  if (!target.message.includes(marker) && !target.message.includes(unsure)) {
    const url = target.operationUrl;
    if (target.code === "UnknownOperationStatus") {
      // Its message already names the operation and the one next step (read the cluster; re-attaching to the
      // operation would read the same unknown status).
    } else if (!operationMayStillRun(target)) {
      // The operation has ended (its result is the error): one fact, no advice that contradicts the error's own.
      if (url !== undefined && !target.message.includes(url)) target.message = `${target.message} (${marker}; operation ${url}, which has ended.)`;
    } else {
      target.message = context.writeAccepted
        ? `${target.message} ${marker}${url ? ` (operation ${url})` : ""} and its result is not known yet: re-attach to that operation (or read the cluster) instead of writing again.`
        : `${target.message} ${unsure} (its answer was not seen): read the cluster or re-attach with the saved poller state before writing again.`;
    }
  }
  return target;
}

/** Codes of errors that are the end of the operation of an accepted write: it has ended, nothing of it still runs. */
const OPERATION_ENDED_CODES: readonly string[] = ["OperationFailed", "VerificationFailed"];

/**
 * True when a write of this error's apply may have reached Azure (`writeAccepted` or `writeMayHaveBeenSent`) and its
 * outcome is not known: the operation may still run, so the next step is to re-attach (or read the cluster), not to
 * write again. False when the error is that operation's end (it ended Failed or Canceled, or ended Succeeded and the
 * read-back differed): the next step is the error's own.
 * @param error - an SDK error
 */
export function operationMayStillRun(error: KubeProxyError): boolean {
  if (!(error.writeAccepted === true || error.writeMayHaveBeenSent === true)) return false;
  return !OPERATION_ENDED_CODES.includes(error.code);
}
