/**
 * Kubernetes label selectors (`k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, comma = AND) and the
 * field selectors the served resources support (`=`, `==`, `!=` on named fields). Bounded: at most 4 KiB and 64
 * requirements, as hostile input must not cost more.
 */

/** One parsed requirement. */
type Requirement = { key: string; op: "=" | "!=" | "in" | "notin" | "exists" | "!exists"; values: string[] };

/** A selector that does not parse (answered as a 400 BadRequest Status). */
export class SelectorError extends Error {}

const MAX_LENGTH = 4096;
const MAX_REQUIREMENTS = 64;
const KEY = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** Parses a label selector; throws {@link SelectorError}. */
export function parseLabelSelector(text: string | undefined): Requirement[] {
  if (text === undefined || text.trim() === "") return [];
  if (text.length > MAX_LENGTH) throw new SelectorError(`the label selector is longer than ${MAX_LENGTH} characters`);
  const parts = splitTopLevel(text);
  if (parts.length > MAX_REQUIREMENTS) throw new SelectorError(`the label selector has more than ${MAX_REQUIREMENTS} requirements`);
  return parts.map((part) => {
    let m = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (m) {
      const values = (m[3] ?? "").split(",").map((v) => v.trim()).filter((v) => v !== "");
      return check({ key: m[1] ?? "", op: m[2] as "in" | "notin", values });
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (m) return check({ key: m[1] ?? "", op: m[2] === "!=" ? "!=" : "=", values: [m[3] ?? ""] });
    m = /^!\s*(\S+)$/.exec(part);
    if (m) return check({ key: m[1] ?? "", op: "!exists", values: [] });
    if (/^\S+$/.test(part)) return check({ key: part, op: "exists", values: [] });
    throw new SelectorError(`unable to parse requirement: ${JSON.stringify(part.slice(0, 100))}`);
  });
}

function check(req: Requirement): Requirement {
  if (!KEY.test(req.key) || req.key.length > 316) throw new SelectorError(`invalid label key ${JSON.stringify(req.key.slice(0, 100))}`);
  for (const v of req.values) if (!VALUE.test(v) || v.length > 63) throw new SelectorError(`invalid label value ${JSON.stringify(v.slice(0, 100))}`);
  return req;
}

/** Whether `labels` satisfy every requirement. */
export function matchesLabels(requirements: Requirement[], labels: Record<string, string>): boolean {
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case "=":
        return has && value === r.values[0];
      case "!=":
        return !has || value !== r.values[0];
      case "in":
        return has && r.values.includes(value ?? "");
      case "notin":
        return !has || !r.values.includes(value ?? "");
      case "exists":
        return has;
      case "!exists":
        return !has;
    }
  });
}

/** Parses a field selector over `supported` field paths; throws {@link SelectorError}. */
export function parseFieldSelector(text: string | undefined, supported: readonly string[]): { field: string; op: "=" | "!="; value: string }[] {
  if (text === undefined || text.trim() === "") return [];
  if (text.length > MAX_LENGTH) throw new SelectorError(`the field selector is longer than ${MAX_LENGTH} characters`);
  const parts = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length > MAX_REQUIREMENTS) throw new SelectorError(`the field selector has more than ${MAX_REQUIREMENTS} requirements`);
  return parts.map((part) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid field selector: ${JSON.stringify(part.slice(0, 100))}`);
    const field = m[1] ?? "";
    if (!supported.includes(field)) throw new SelectorError(`field label not supported: ${field.slice(0, 100)}`);
    return { field, op: m[2] === "!=" ? "!=" : "=", value: m[3] ?? "" };
  });
}

/** Whether an object's `fields` satisfy a parsed field selector. */
export function matchesFields(selector: { field: string; op: "=" | "!="; value: string }[], fields: Record<string, string>): boolean {
  return selector.every((s) => (s.op === "=" ? fields[s.field] === s.value : fields[s.field] !== s.value));
}
