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

/** SDK error codes that mean "the input cannot work": nothing was written, retrying the same command will not help. */
const INVALID_INPUT_CODES = new Set(["ValidationError", "PlanBlocked", "ClusterNotFound", "ClusterExists", "SettingsRejected"]);

/** Extra advice printed after the SDK's own message, by SDK error code. */
const NEXT_STEP_BY_CODE: Record<string, string> = {
  PreviewNotEnabled: "Run `aks-kube-proxy enable-preview` (or drop --skip-enable-preview) and try again.",
  ClusterNotFound: "List the clusters you can see with `aks-kube-proxy status --all`.",
  Unauthorized: "Check that you are logged in to the right tenant and that your identity may read and write the cluster (e.g. the Azure Kubernetes Service Contributor role).",
};

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
    return { exitCode: err.exitCode, code: err.code, message: err.message, json: { code: err.code, message: err.message } };
  }
  const credential = findCredentialError(err);
  if (credential && !(isSdkError(err) && err.code === "Aborted")) return describeCredentialError(credential);
  if (isSdkError(err)) {
    const exitCode: ExitCodeValue = err.code === "Aborted" ? ExitCode.Interrupted : INVALID_INPUT_CODES.has(err.code) ? ExitCode.InvalidInput : ExitCode.Failure;
    const ids = [
      typeof err.armCode === "string" && !err.message.includes(err.armCode) ? `ARM code ${err.armCode}` : undefined,
      typeof err.requestId === "string" && !err.message.includes(err.requestId) ? `request id ${err.requestId}` : undefined,
    ].filter((x): x is string => x !== undefined);
    const next = NEXT_STEP_BY_CODE[err.code];
    const findingHints = Array.isArray(err.findings) ? hintsForFindings(err.findings as { id: string }[]) : [];
    const message = [err.message, ids.length > 0 ? `(${ids.join(", ")})` : undefined, next && !err.message.includes(next) ? next : undefined, ...findingHints]
      .filter((x): x is string => x !== undefined)
      .join("\n");
    const json: Record<string, unknown> = { code: err.code, message: err.message };
    for (const key of ["armCode", "requestId", "statusCode", "issues", "findings", "operationUrl", "lastState"] as const) {
      if (err[key] !== undefined) json[key] = err[key];
    }
    return { exitCode, code: err.code, message, json };
  }
  const e = asErrorLike(err);
  const text = e && typeof e.message === "string" ? e.message : String(err);
  const message = options.verbose && err instanceof Error && err.stack ? `Unexpected error: ${err.stack}` : `Unexpected error: ${text}\n(run again with --verbose for details)`;
  return { exitCode: ExitCode.Failure, code: "Unexpected", message, json: { code: "Unexpected", message: text } };
}

/**
 * True when `err` is the end of a wait stopped by an abort signal (the SDK's `Aborted`, or a DOM-style `AbortError`).
 * @param err - anything caught
 */
export function isAbortError(err: unknown): boolean {
  const e = asErrorLike(err);
  return (isSdkError(err) && err.code === "Aborted") || e?.name === "AbortError";
}
