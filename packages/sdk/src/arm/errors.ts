/**
 * Maps ARM error answers (status, `{"error":{"code","message"}}`, request id) to the SDK's typed errors, with messages
 * that say what to do next. Never copies headers (the Authorization header included) into an error.
 * @packageDocumentation
 */
import { isRestError } from "@azure/core-rest-pipeline";
import { FEATURE_NAME, PROVIDER_NAMESPACE } from "../constants";
import {
  AbortedError,
  ArmError,
  ClusterBusyError,
  ClusterNotFoundError,
  KubeProxyError,
  PreconditionFailedError,
  PreviewNotEnabledError,
  SettingsRejectedError,
  ThrottledError,
  UnauthorizedError,
  isKubeProxyError,
} from "../errors";
import { redact } from "../log";

/** The error body ARM answers with. @internal */
export interface ArmErrorBody {
  readonly code?: string;
  readonly message?: string;
}

/** What the failing call was about, for messages. @internal */
export interface ArmErrorContext {
  /** e.g. "PUT cluster rg/name" */
  readonly operation: string;
  /** The cluster concerned, "rg/name". */
  readonly cluster?: string;
  /** The subscription concerned. */
  readonly subscriptionId?: string;
}

/**
 * Extracts `{code, message}` from an ARM error body (`{"error":{...}}`, or a bare `{code,message}`).
 * @internal
 */
export function readArmErrorBody(body: unknown): ArmErrorBody {
  if (typeof body !== "object" || body === null) return {};
  const b = body as Record<string, unknown>;
  const inner = typeof b["error"] === "object" && b["error"] !== null ? (b["error"] as Record<string, unknown>) : b;
  return {
    ...(typeof inner["code"] === "string" ? { code: inner["code"] } : {}),
    ...(typeof inner["message"] === "string" ? { message: inner["message"] } : {}),
  };
}

/**
 * Builds the typed error for a failed ARM answer.
 * @internal
 */
export function armErrorFromResponse(args: { status: number; body: unknown; requestId?: string; context: ArmErrorContext; retryAfterInMs?: number }): KubeProxyError {
  const { status, context } = args;
  const { code, message } = readArmErrorBody(args.body);
  const details = { statusCode: status, ...(code ? { armCode: code } : {}), ...(args.requestId ? { requestId: args.requestId } : {}) };
  const arm = redact(message ?? `HTTP ${status}`);
  const ref = args.requestId ? ` (request id ${args.requestId})` : "";
  const sub = context.subscriptionId ?? "<subscription>";
  switch (code) {
    case "KubeProxyConfigFeatureNotRegistered":
      return new PreviewNotEnabledError(
        `Azure refused kubeProxyConfig for ${context.cluster ?? "the cluster"}: the ${FEATURE_NAME} preview is not enabled on subscription ${sub} (the feature must be Registered and ${PROVIDER_NAMESPACE} re-registered after it). Run \`aks-kube-proxy enable-preview --subscription ${sub}\` (or KubeProxyClient.enablePreview()), then retry. Azure said: ${arm}${ref}`,
        details,
      );
    case "KubeProxyConfigFieldUnsupported":
      return new SettingsRejectedError(`Azure refused a kubeProxyConfig field (ipvsConfig is only allowed with mode IPVS): ${arm}${ref}. Remove ipvsConfig or set mode IPVS.`, details);
    case "KubeProxyConfigValueUnsupported":
      return new SettingsRejectedError(`Azure refused a kubeProxyConfig value: ${arm}${ref}. Check mode (IPTABLES, IPVS, NFTABLES) and ipvsConfig.scheduler (RoundRobin, LeastConnection) and that the api-version knows them.`, details);
    case "KubeProxyConfigDisabledBYOCNIOnly":
      return new SettingsRejectedError(`Azure refused enabled: false: kube-proxy can only be disabled on bring-your-own CNI clusters (networkPlugin none): ${arm}${ref}.`, details);
    case "EtagMismatch":
    case "OperationNotAllowed":
      return new ClusterBusyError(`${context.cluster ?? "The cluster"} has another operation in progress: ${arm}${ref}. Wait for it to finish (az aks show --query provisioningState) and run again.`, details);
    default:
      break;
  }
  if (status === 429 || ((code === "Throttled" || code === "SubscriptionRequestsThrottled" || code === "TooManyRequests") && status !== 503)) {
    return new ThrottledError(
      `Azure throttled ${context.operation} (429${code ? ` ${code}` : ""}) and the bounded retries are spent: ${arm}${ref}. The retries stopped there. Wait for the time Azure names (AKS refills a cluster's PUT budget at only one per minute), lower the request rate of other clients in this subscription, and run again.`,
      { ...(args.retryAfterInMs !== undefined ? { retryAfterInMs: args.retryAfterInMs } : {}) },
      details,
    );
  }
  if (status === 503) {
    return new ThrottledError(`Azure answered 503 (service unavailable) to ${context.operation} and the bounded retries are spent: ${arm}${ref}. Wait a few minutes and run again.`, { ...(args.retryAfterInMs !== undefined ? { retryAfterInMs: args.retryAfterInMs } : {}) }, details);
  }
  if (status === 409 && !code) {
    return new ClusterBusyError(`${context.cluster ?? "The cluster"} is busy (409)${ref}. Wait for the running operation to finish and run again.`, details);
  }
  if (status === 412) {
    return new PreconditionFailedError(`${context.cluster ?? "The cluster"} changed while we were updating it (412 on If-Match)${ref}. Run again to re-read it and apply on top of the new state.`, details);
  }
  if (status === 401) {
    return new UnauthorizedError(`Not authenticated for ${context.operation} (401): ${arm}${ref}. Check the credential (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, az login) and that its tenant owns subscription ${sub}.`, details);
  }
  if (status === 403) {
    return new UnauthorizedError(
      `Not allowed to ${context.operation} (403): ${arm}${ref}. The identity needs e.g. "Azure Kubernetes Service Contributor" on the cluster, and Contributor on subscription ${sub} to register features and providers.`,
      details,
    );
  }
  if (status === 404 && context.cluster && (code === "ResourceNotFound" || code === "ResourceGroupNotFound" || code === "NotFound" || !code)) {
    return new ClusterNotFoundError(`Cluster ${context.cluster} was not found in subscription ${sub}${code === "ResourceGroupNotFound" ? " (its resource group does not exist)" : ""}${ref}. Check the resource group, name and subscription.`, details);
  }
  return new ArmError(`${context.operation} failed (HTTP ${status}${code ? `, ${code}` : ""}): ${arm}${ref}`, details);
}

/**
 * Maps anything thrown by an Azure SDK client or the pipeline (RestError, AbortError...) to a typed error. Only the
 * status, code, message and request id are kept: never the request (its Authorization header).
 * @internal
 */
export function armErrorFromThrown(error: unknown, context: ArmErrorContext, abortSignal?: AbortSignal): KubeProxyError {
  if (isKubeProxyError(error)) return error;
  if (abortSignal?.aborted || (error instanceof Error && error.name === "AbortError")) {
    return new AbortedError(`Aborted during ${context.operation}.`);
  }
  const credentialFailure = credentialErrorFromThrown(error, context);
  if (credentialFailure) return credentialFailure;
  if (isRestError(error)) {
    const requestId = error.response?.headers.get("x-ms-request-id") ?? undefined;
    if (error.statusCode !== undefined) {
      let body: unknown;
      try {
        body = error.response?.bodyAsText ? JSON.parse(error.response.bodyAsText) : undefined;
      } catch {
        // not JSON: fall back to the RestError's code and message
      }
      if (!readArmErrorBody(body).code && error.code) body = { error: { code: error.code, message: error.message } };
      return armErrorFromResponse({ status: error.statusCode, body, ...(requestId ? { requestId } : {}), context });
    }
    return new ArmError(`${context.operation} failed: could not reach Azure Resource Manager (${error.code ?? "network error"}: ${redact(error.message)}). Retries were exhausted; check connectivity and run again.`, {
      ...(error.code ? { armCode: error.code } : {}),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ArmError(`${context.operation} failed: ${redact(message)}`);
}

/** Names of the errors `@azure/identity` throws when no token can be had. */
const CREDENTIAL_ERROR_NAMES = new Set(["CredentialUnavailableError", "AuthenticationError", "AggregateAuthenticationError", "AuthenticationRequiredError"]);

/**
 * Maps a credential's failure to get a token (thrown from the bearer-token policy) to {@link UnauthorizedError}, with what was
 * tried (identity's own message lists each credential of a chain) and how to log in.
 * @internal
 */
export function credentialErrorFromThrown(error: unknown, context: ArmErrorContext): UnauthorizedError | undefined {
  if (!(error instanceof Error) || !CREDENTIAL_ERROR_NAMES.has(error.name)) return undefined;
  return new UnauthorizedError(
    `Could not get a token for ${context.operation}: ${redact(error.message)}. Log in with \`az login\`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or a workload identity's AZURE_FEDERATED_TOKEN_FILE); for a private cloud also AZURE_AUTHORITY_HOST.`,
    { armCode: error.name, cause: error },
  );
}
