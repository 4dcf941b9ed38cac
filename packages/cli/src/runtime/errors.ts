/**
 * Turns anything a command throws into an exit code, a message for stderr, and the `error` object of the
 * `--output json` document. SDK errors are matched by their stable `code`, never by class identity.
 * @packageDocumentation
 */
import { CliError } from "./cli-error";
import { ExitCode, type ExitCodeValue } from "./exit-codes";

/** What the CLI reports for a failed command. */
export interface DescribedError {
  /** The process exit code. */
  readonly exitCode: ExitCodeValue;
  /** Stable code: the SDK error's `code`, `InvalidInput`, `CredentialUnavailable`, `AuthenticationFailed` or `Unexpected`. */
  readonly code: string;
  /** Message for stderr (may span lines). */
  readonly message: string;
  /** The `error` object of the JSON document. */
  readonly json: Record<string, unknown>;
}

/**
 * The one mapping from an error's stable code (the SDK's, the CLI's, or an ARM code) to an exit code; every command,
 * single-cluster and rollout, goes through it. Codes not listed are failures (1).
 */
export const EXIT_CODE_BY_ERROR_CODE: Readonly<Record<string, ExitCodeValue>> = {
  // Invalid input: nothing was written, and running the same command again will not help.
  ValidationError: ExitCode.InvalidInput,
  InvalidInput: ExitCode.InvalidInput,
  ClusterNotFound: ExitCode.InvalidInput,
  ClusterExists: ExitCode.InvalidInput,
  SettingsRejected: ExitCode.InvalidInput,
  SubscriptionNotFound: ExitCode.InvalidInput,
  InvalidSubscriptionId: ExitCode.InvalidInput,
  ResourceGroupNotFound: ExitCode.InvalidInput,
  // A rule blocks the change: nothing was written to the blocked cluster(s).
  PlanBlocked: ExitCode.Blocked,
  // A write needs consent.
  ConfirmationRequired: ExitCode.NotConfirmed,
  Cancelled: ExitCode.NotConfirmed,
  // Stopped by Ctrl-C or SIGTERM.
  Aborted: ExitCode.Interrupted,
  Interrupted: ExitCode.Interrupted,
};

/**
 * The exit code of an error code (and, failing that, its ARM code).
 * @param code - the stable code
 * @param armCode - the ARM error code, when there is one
 */
export function exitCodeForError(code: string, armCode?: string): ExitCodeValue {
  return EXIT_CODE_BY_ERROR_CODE[code] ?? (armCode !== undefined ? EXIT_CODE_BY_ERROR_CODE[armCode] : undefined) ?? ExitCode.Failure;
}

/** Extra advice printed after the SDK's own message, by SDK error code. */
const NEXT_STEP_BY_CODE: Record<string, string> = {
  PreviewNotEnabled: "Run `aks-kube-proxy enable-preview` (or drop --skip-enable-preview) and try again.",
  ClusterNotFound: "List the clusters you can see with `aks-kube-proxy status --all`.",
  SubscriptionNotFound: "Check the subscription id (`az account list -o table`), or pass --subscription with the right one.",
  Unauthorized: "Check that you are logged in to the right tenant and that your identity may read and write the cluster (e.g. the Azure Kubernetes Service Contributor role).",
};

/** Advice once the pipeline's retries ran out on throttling or server errors. */
function adviceForStatus(statusCode: unknown): string | undefined {
  if (statusCode === 429) {
    return "Azure kept throttling after every retry. Wait a minute or two and run again; the AKS resource provider allows about 20 writes per cluster, refilled 1 per minute, and ARM limits reads and writes per subscription (fewer parallel jobs help).";
  }
  if (typeof statusCode === "number" && statusCode >= 500) {
    return "Azure kept failing with a server error after every retry. Nothing is wrong with the input: run again in a few minutes, and check https://status.azure.com if it persists (give the request id to support).";
  }
  return undefined;
}

/** What to type for a blocker the CLI has a flag for, by finding id. */
export const CLI_HINT_BY_FINDING: Record<string, string> = {
  "disable-kube-proxy": "If you mean it, confirm with --disable-kube-proxy.",
};

/**
 * The CLI hints for a list of findings (one line each, no duplicates).
 * @param findings - blockers
 */
export function hintsForFindings(findings: readonly { id: string }[]): string[] {
  return [...new Set(findings.map((f) => CLI_HINT_BY_FINDING[f.id]).filter((h): h is string => h !== undefined))];
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  armCode?: unknown;
  requestId?: unknown;
  statusCode?: unknown;
  cause?: unknown;
  errors?: unknown;
  issues?: unknown;
  findings?: unknown;
  operationUrl?: unknown;
  lastState?: unknown;
}

const SDK_ERROR_BRAND = Symbol.for("aks-kube-proxy.error");

function isSdkError(x: unknown): x is ErrorLike & { code: string; message: string } {
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[SDK_ERROR_BRAND] === true;
}

function asErrorLike(x: unknown): ErrorLike | undefined {
  return typeof x === "object" && x !== null ? (x as ErrorLike) : undefined;
}

/** The `@azure/identity` error behind the SDK's UnauthorizedError for a credential that could not get a token (its `cause`). */
function findCredentialError(err: unknown): ErrorLike | undefined {
  if (!isSdkError(err) || err.code !== "Unauthorized") return undefined;
  return asErrorLike(err.cause);
}

function firstLine(text: unknown, max = 220): string {
  const line = String(text ?? "").split("\n").find((l) => l.trim() !== "") ?? "";
  const trimmed = line.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

const HOW_TO_LOG_IN = [
  "How to log in (any one of):",
  "  - a service principal: export AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
  "    (and AZURE_AUTHORITY_HOST for a sovereign or private cloud, or the emulator; see `aks-kube-proxy emulator`)",
  "  - workload identity in CI (e.g. GitHub Actions OIDC): AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE",
  "  - a managed identity, on an Azure VM, App Service or AKS pod (AZURE_CLIENT_ID picks a user-assigned one)",
  "  - the Azure CLI: `az login` (then `az account show` to check the subscription)",
].join("\n");

/** Which credential of DefaultAzureCredential's chain a message comes from (their messages do not all name it). */
const CREDENTIAL_HINTS: readonly [RegExp, string][] = [
  [/EnvironmentCredential|environment variables/i, "EnvironmentCredential"],
  [/WorkloadIdentityCredential|federated token/i, "WorkloadIdentityCredential"],
  [/ManagedIdentityCredential|managed identity|IMDS/i, "ManagedIdentityCredential"],
  [/Visual Studio Code/i, "VisualStudioCodeCredential"],
  [/Azure Developer CLI|azd/i, "AzureDeveloperCliCredential"],
  [/Azure CLI|az login/i, "AzureCliCredential"],
  [/PowerShell/i, "AzurePowerShellCredential"],
];

function credentialNameOf(message: string): string {
  return CREDENTIAL_HINTS.find(([pattern]) => pattern.test(message))?.[1] ?? "credential";
}

/** The useful part of an identity message: no error-class prefix, no troubleshooting link. */
function shortReason(message: string): string {
  const cleaned = message
    .replace(/^(CredentialUnavailableError|AuthenticationError|Error):\s*/g, "")
    .replace(/^(CredentialUnavailableError|AuthenticationError|Error):\s*/g, "")
    .replace(/\s*(To troubleshoot|To mitigate|Please visit|See https|For more information).*$/i, "")
    .replace(/^[A-Za-z]+Credential(:\s*|\s+is unavailable\.?\s*)/, "")
    .trim();
  return cleaned.length > 160 ? `${cleaned.slice(0, 159)}…` : cleaned;
}

function describeCredentialError(e: ErrorLike): DescribedError {
  if (e.name === "AuthenticationError" || e.name === "AuthenticationRequiredError") {
    const message = [
      `The identity provider refused the credential: ${firstLine(e.message)}`,
      "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or your `az login` session), and AZURE_AUTHORITY_HOST for a private cloud.",
    ].join("\n");
    return { exitCode: ExitCode.Failure, code: "AuthenticationFailed", message, json: { code: "AuthenticationFailed", message } };
  }
  const inner = Array.isArray(e.errors) ? (e.errors as unknown[]) : [e];
  const tried = inner.map((x) => {
    const text = firstLine(asErrorLike(x)?.message, 1000);
    return { credential: credentialNameOf(text), reason: shortReason(text) };
  });
  const message = [
    "No Azure credential could be obtained.",
    "Tried, in order (DefaultAzureCredential):",
    ...tried.map((t) => `  - ${t.credential}: ${t.reason}`),
    HOW_TO_LOG_IN,
  ].join("\n");
  return { exitCode: ExitCode.Failure, code: "CredentialUnavailable", message, json: { code: "CredentialUnavailable", message, tried } };
}

/**
 * Describes a thrown value for the user.
 * @param err - anything a command threw
 * @param options - `verbose` appends the stack of unexpected errors
 */
export function describeError(err: unknown, options: { verbose?: boolean } = {}): DescribedError {
  if (err instanceof CliError) {
    return { exitCode: err.exitCode, code: err.code, message: withFollowUp(err.message, err), json: { code: err.code, message: err.message, ...err.details } };
  }
  const credential = findCredentialError(err);
  if (credential && !(isSdkError(err) && err.code === "Aborted")) return describeCredentialError(credential);
  if (isSdkError(err)) {
    const exitCode = exitCodeForError(err.code, typeof err.armCode === "string" ? err.armCode : undefined);
    const ids = [
      typeof err.armCode === "string" && !err.message.includes(err.armCode) ? `ARM code ${err.armCode}` : undefined,
      typeof err.requestId === "string" && !err.message.includes(err.requestId) ? `request id ${err.requestId}` : undefined,
    ].filter((x): x is string => x !== undefined);
    const next = NEXT_STEP_BY_CODE[err.code] ?? (typeof err.armCode === "string" ? NEXT_STEP_BY_CODE[err.armCode] : undefined) ?? adviceForStatus(err.statusCode);
    const findingHints = Array.isArray(err.findings) ? hintsForFindings(err.findings as { id: string }[]) : [];
    const message = withFollowUp(
      [err.message, ids.length > 0 ? `(${ids.join(", ")})` : undefined, next && !err.message.includes(next) ? next : undefined, ...findingHints]
        .filter((x): x is string => x !== undefined)
        .join("\n"),
      err,
    );
    const json: Record<string, unknown> = { code: err.code, message: err.message };
    for (const key of ["armCode", "requestId", "statusCode", "issues", "findings", "operationUrl", "lastState"] as const) {
      if (err[key] !== undefined) json[key] = err[key];
    }
    const followUp = followUpOf(err);
    if (followUp) Object.assign(json, { accepted: true, operationUrl: followUp.operationUrl ?? json.operationUrl, followCommand: followUp.command });
    return { exitCode, code: err.code, message, json };
  }
  const e = asErrorLike(err);
  const text = e && typeof e.message === "string" ? e.message : String(err);
  const message = options.verbose && err instanceof Error && err.stack ? `Unexpected error: ${err.stack}` : `Unexpected error: ${text}\n(run again with --verbose for details)`;
  return { exitCode: ExitCode.Failure, code: "Unexpected", message, json: { code: "Unexpected", message: text } };
}

const FOLLOW_UP = Symbol.for("aks-kube-proxy.cli.followUp");

/** What the user can run to follow a write Azure accepted before the command failed or stopped. */
export interface FollowUp {
  /** The operation URL, when Azure gave one. */
  readonly operationUrl?: string;
  /** The exact command that re-attaches (`aks-kube-proxy wait ...`). */
  readonly command: string;
}

/**
 * Marks an error that came after Azure accepted a write: its message will end with the operation URL and the
 * command that re-attaches to it.
 * @param err - the error (returned as it is, marked)
 * @param followUp - the operation and the command
 */
export function attachFollowUp<T>(err: T, followUp: FollowUp): T {
  if (typeof err === "object" && err !== null && Object.isExtensible(err)) Object.defineProperty(err, FOLLOW_UP, { value: followUp, configurable: true });
  return err;
}

function followUpOf(err: unknown): FollowUp | undefined {
  return typeof err === "object" && err !== null ? ((err as Record<symbol, unknown>)[FOLLOW_UP] as FollowUp | undefined) : undefined;
}

function withFollowUp(message: string, err: unknown): string {
  const f = followUpOf(err);
  if (!f) return message;
  return `${message}\nAzure accepted the write${f.operationUrl ? ` (operation ${f.operationUrl})` : ""}; it goes on without us. Follow it with:\n  ${f.command}`;
}

/**
 * True when `err` is the end of a wait stopped by an abort signal (the SDK's `Aborted`, or a DOM-style `AbortError`).
 * @param err - anything caught
 */
export function isAbortError(err: unknown): boolean {
  const e = asErrorLike(err);
  return (isSdkError(err) && err.code === "Aborted") || e?.name === "AbortError";
}
