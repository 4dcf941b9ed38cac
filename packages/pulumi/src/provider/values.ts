/**
 * Small pure helpers shared by the dynamic providers: Pulumi's unknown-value sentinel, input coercion, and a
 * field-level diff of settings objects. Imports nothing at run time (captured by closure serialization).
 * @packageDocumentation
 */

/**
 * The value the Pulumi engine sends for an input that is not known yet (during preview, an `Output` of a resource
 * that will be created or changed). Same as `pulumi.runtime.unknownValue`, copied so the providers need not load
 * `@pulumi/pulumi`.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * True when `value` is, or contains, the engine's unknown sentinel.
 * @param value - an input value
 */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * A non-empty string, or undefined.
 * @param value - an input value
 */
export function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * A boolean input (booleans, or "true"/"false" as some languages send them), or the fallback.
 * @param value - an input value
 * @param fallback - value when absent
 */
export function booleanOr(value: unknown, fallback: boolean): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return fallback;
}

/** One changed property, as Pulumi's detailed diff names it. */
export interface PropertyChange {
  /** Property path, e.g. `settings.ipvsConfig.scheduler`. */
  readonly path: string;
  /** `add`, `delete` or `update`; `update-replace` when the change replaces the resource. */
  readonly kind: "add" | "delete" | "update" | "update-replace";
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    if (entries.length === 0) {
      out.set(prefix, {});
      return;
    }
    for (const [key, v] of entries) flatten(v, `${prefix}.${key}`, out);
    return;
  }
  if (value !== undefined && value !== null) out.set(prefix, value);
}

/**
 * Leaf-by-leaf differences between two JSON-like values under a property name, e.g. `settings.mode` when only the
 * mode changed. Keys are compared exactly (inputs are canonical after check); an unknown new value is an update.
 * @param name - the property name (prefix of every path)
 * @param olds - old value
 * @param news - new value
 */
export function diffProperty(name: string, olds: unknown, news: unknown): PropertyChange[] {
  if (news === UNKNOWN) return [{ path: name, kind: "update" }];
  const before = new Map<string, unknown>();
  const after = new Map<string, unknown>();
  flatten(olds, name, before);
  flatten(news, name, after);
  const changes: PropertyChange[] = [];
  for (const [path, v] of after) {
    if (!before.has(path)) changes.push({ path, kind: "add" });
    else if (JSON.stringify(before.get(path)) !== JSON.stringify(v)) changes.push({ path, kind: "update" });
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push({ path, kind: "delete" });
  return changes.sort((a, b) => a.path.localeCompare(b.path));
}
