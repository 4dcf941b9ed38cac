/**
 * Range checks of every value the control surface takes (faults, timings, throttling budgets, cluster seeds), in one
 * table: a value outside its range (`count: 1e308`, `status: 99999`, `operationMs: -5`, `"abc"`) is refused with a
 * {@link ControlValueError} naming the field and the allowed range, which the HTTP control API answers with 400
 * `InvalidControlRequest`. The same checks guard the in-process control object and `startEmulator`'s options.
 */
import { isObject } from "./http";

/** The allowed range of one numeric control value. */
export interface NumericRange {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
  /** What the value is, for the error message. */
  readonly what: string;
}

/** Longest duration in milliseconds (one day: also under `setTimeout`'s 2^31-1 ms, beyond which Node fires at once). */
export const MAX_DURATION_MS = 86_400_000;
/** Most matches (or reads) one fault may be consumed by. */
export const MAX_FAULT_COUNT = 1_000_000;
/** Most faults the registry holds at once (each request is tested against the active ones). */
export const MAX_FAULTS = 100;
/** Longest string in a control value (armCode, message, featureName, names). */
export const MAX_CONTROL_STRING = 4_096;

const ms: NumericRange = { min: 0, max: MAX_DURATION_MS, integer: true, what: "a duration in milliseconds" };
const count: NumericRange = { min: 0, max: MAX_FAULT_COUNT, integer: true, what: "a count" };
const rate: NumericRange = { min: 0, max: 1_000_000, integer: false, what: "a rate" };

/**
 * Every numeric control value by field name. Fields of {@link EmulatorTimings} not listed here are checked by their
 * suffix (`…Ms`: {@link MAX_DURATION_MS}, `…Seconds`: `retryAfterSeconds`'s range).
 */
export const CONTROL_RANGES: Readonly<Record<string, NumericRange>> = {
  count,
  reads: count,
  // 1xx are interim answers: a client would keep waiting for the final one
  status: { min: 200, max: 599, integer: true, what: "an HTTP status" },
  delayMs: ms,
  operationMs: ms,
  featureRegistrationMs: ms,
  providerRegistrationMs: ms,
  retryAfterSeconds: { min: 0, max: 86_400, integer: true, what: "a duration in seconds" },
  capacity: { min: 0, max: 1_000_000, integer: true, what: "a bucket capacity" },
  refillPerSecond: rate,
  timeScale: rate,
  // AKS: at most 100 node pools per cluster
  agentPoolCount: { min: 1, max: 100, integer: true, what: "a node pool count" },
};

/** A control value out of its type or range. */
export class ControlValueError extends Error {
  /** Stable code. */
  readonly code = "InvalidControlValue";
  constructor(
    /** The field's path, e.g. `count` or `reads.capacity`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "ControlValueError";
  }
}

function show(value: unknown): string {
  const text = typeof value === "number" || value === undefined ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function rangeFor(field: string): NumericRange | undefined {
  const leaf = field.slice(field.lastIndexOf(".") + 1);
  return CONTROL_RANGES[leaf] ?? (leaf.endsWith("Ms") ? ms : leaf.endsWith("Seconds") ? CONTROL_RANGES["retryAfterSeconds"] : undefined);
}

/**
 * Checks one numeric value against its range.
 * @throws ControlValueError naming the field and the range
 */
export function checkNumber(field: string, value: unknown, range: NumericRange | undefined = rangeFor(field)): number {
  const r = range ?? rate;
  const ok = typeof value === "number" && Number.isFinite(value) && (!r.integer || Number.isInteger(value)) && value >= r.min && value <= r.max;
  if (!ok) throw new ControlValueError(field, `Control value "${field}" must be ${r.what}: ${r.integer ? "an integer" : "a number"} from ${r.min} to ${r.max}; got ${show(value)}.`);
  return value;
}

/**
 * Checks an optional string.
 * @throws ControlValueError
 */
export function checkString(field: string, value: unknown, required: boolean, max = MAX_CONTROL_STRING): void {
  if (value === undefined && !required) return;
  if (typeof value !== "string" || value.length > max || (required && value === "")) {
    throw new ControlValueError(field, `Control value "${field}" must be a ${required ? "non-empty " : ""}string of at most ${max} characters; got ${show(value)}.`);
  }
}

const METHODS = ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"];
const REQUIRED_BY_KIND: Readonly<Record<string, readonly string[]>> = {
  status: ["status", "count", "pathPattern"],
  drop: ["count", "pathPattern"],
  "drop-response": ["count", "pathPattern"],
  slow: ["count", "delayMs", "pathPattern"],
  "lro-failed": ["count", "pathPattern"],
  "feature-flap": ["reads"],
  "unknown-state": ["count", "pathPattern", "value"],
};

const NUMERIC_BY_KIND: Readonly<Record<string, readonly string[]>> = {
  status: ["status", "count", "retryAfterSeconds"],
  drop: ["count"],
  "drop-response": ["count"],
  slow: ["count", "delayMs"],
  "lro-failed": ["count"],
  "feature-flap": ["reads"],
  "unknown-state": ["count"],
};

/**
 * Checks a fault: `kind` a string; the fields its kind needs present; every numeric field (count, reads, status,
 * delayMs, retryAfterSeconds, …) in its range; `method` an HTTP method; strings bounded. The pattern itself is
 * compiled by the fault registry (safePattern). Kinds this table does not know still get `count`, `reads`, `delayMs` and
 * `retryAfterSeconds` checked.
 * @throws ControlValueError
 */
export function checkFaultSpec(fault: unknown): void {
  if (!isObject(fault)) throw new ControlValueError("$", "A fault must be a JSON object with a kind.");
  checkString("kind", fault.kind, true, 64);
  for (const field of REQUIRED_BY_KIND[fault.kind as string] ?? []) {
    if (fault[field] === undefined) throw new ControlValueError(field, `A "${String(fault.kind)}" fault needs "${field}".`);
  }
  // A kind this table does not know may give a field another meaning (e.g. `status` as a state string): only the
  // fields every fault shares are checked there.
  const numeric = NUMERIC_BY_KIND[fault.kind as string] ?? ["count", "reads", "delayMs", "retryAfterSeconds"];
  for (const field of numeric) {
    if (fault[field] !== undefined) checkNumber(field, fault[field]);
  }
  if (fault.method !== undefined) {
    if (typeof fault.method !== "string" || !METHODS.includes(fault.method.toUpperCase())) {
      throw new ControlValueError("method", `Control value "method" must be one of ${METHODS.join(", ")}; got ${show(fault.method)}.`);
    }
  }
  for (const field of ["armCode", "message", "featureName"]) checkString(field, fault[field], false);
  if (fault.kind === "unknown-state") checkString("value", fault.value, true, 200);
}

/**
 * Checks a partial timings object: each field known (one of `known`), each a duration in its range.
 * @param known - the timing fields the emulator has (its current timings' keys)
 * @throws ControlValueError
 */
export function checkTimings(timings: unknown, known: readonly string[]): void {
  if (!isObject(timings)) throw new ControlValueError("$", "Timings must be a JSON object.");
  for (const [field, value] of Object.entries(timings)) {
    if (!known.includes(field)) throw new ControlValueError(field, `Unknown timing "${field}"; the timings are ${known.join(", ")}.`);
    if (value !== undefined) checkNumber(field, value);
  }
}

function checkBucket(field: string, bucket: unknown): void {
  if (bucket === undefined) return;
  if (!isObject(bucket)) throw new ControlValueError(field, `Control value "${field}" must be {capacity, refillPerSecond}.`);
  checkNumber(`${field}.capacity`, bucket.capacity);
  checkNumber(`${field}.refillPerSecond`, bucket.refillPerSecond);
}

/**
 * Checks ARM throttling settings: `false`, or `{reads?, writes?}` buckets.
 * @throws ControlValueError
 */
export function checkThrottling(settings: unknown): void {
  if (settings === false || settings === undefined) return;
  if (!isObject(settings)) throw new ControlValueError("$", "Throttling must be false or {reads?, writes?}.");
  for (const [field, value] of Object.entries(settings)) {
    if (field !== "reads" && field !== "writes") throw new ControlValueError(field, `Unknown throttling bucket "${field}"; the buckets are reads, writes.`);
    checkBucket(field, value);
  }
}

/**
 * Checks the AKS resource provider throttling settings: `false`, or `{timeScale?, putManagedCluster?,
 * getManagedCluster?, getOperationStatus?}`.
 * @throws ControlValueError
 */
export function checkAksThrottling(settings: unknown): void {
  if (settings === false || settings === undefined) return;
  if (!isObject(settings)) throw new ControlValueError("$", "AKS throttling must be false or {timeScale?, putManagedCluster?, getManagedCluster?, getOperationStatus?}.");
  const buckets = ["putManagedCluster", "getManagedCluster", "getOperationStatus"];
  for (const [field, value] of Object.entries(settings)) {
    if (field === "timeScale") {
      if (value !== undefined) checkNumber(field, value);
    } else if (buckets.includes(field)) checkBucket(field, value);
    else throw new ControlValueError(field, `Unknown AKS throttling setting "${field}"; the settings are timeScale, ${buckets.join(", ")}.`);
  }
}

/**
 * Checks a `registeredFeatures` entry: `{ name, subscriptionId?, namespace? }` (a bare name string used to register
 * a feature called "undefined" and leave the one meant unregistered).
 * @throws ControlValueError
 */
export function checkFeatureRef(ref: unknown): void {
  if (!isObject(ref)) throw new ControlValueError("registeredFeatures", `A registeredFeatures entry must be an object { "name": …, "subscriptionId"?: …, "namespace"?: … }; got ${show(ref)}.`);
  checkString("name", ref.name, true, 90);
  checkString("subscriptionId", ref.subscriptionId, false, 256);
  checkString("namespace", ref.namespace, false, 256);
}

/**
 * Checks a cluster seed's scalar fields (names, versions, node pool count).
 * @throws ControlValueError
 */
export function checkClusterSeed(seed: unknown): void {
  if (!isObject(seed)) throw new ControlValueError("$", "A cluster seed must be a JSON object with resourceGroup and name.");
  checkString("resourceGroup", seed.resourceGroup, true, 90);
  checkString("name", seed.name, true, 63);
  for (const field of ["subscriptionId", "location", "kubernetesVersion", "networkPlugin", "networkPolicy", "networkDataplane"]) checkString(field, seed[field], false, 256);
  if (seed.agentPoolCount !== undefined) checkNumber("agentPoolCount", seed.agentPoolCount);
}
