/**
 * Reading a rollout file (or a saved rollout plan, `rollout plan --out`) safely: a regular file, at most 20 MB when it
 * is JSON and 2 MB when it is YAML (a YAML parser needs far more memory per byte), YAML aliases limited; every failure
 * is an input error naming the file.
 * @packageDocumentation
 */
import type { ParsedRolloutSpec, SavedRolloutPlan } from "@aks-kube-proxy/rollout";
import { CliUsageError } from "../runtime/cli-error";
import type { RolloutModule, SdkModule } from "../runtime/lazy";
import { readUserFile } from "./files";

/**
 * The `kind` of a saved plan document (`"aks-kube-proxy/…"`), if the text is one: a cheap look before the real parse
 * (a rollout file, which names no such kind, is not parsed twice).
 */
export function jsonKindOf(text: string): unknown {
  if (!text.trimStart().startsWith("{") || !text.includes('"aks-kube-proxy/')) return undefined;
  try {
    return (JSON.parse(text) as { kind?: unknown } | null)?.kind;
  } catch {
    return undefined;
  }
}

/** What `rollout apply FILE` names: a rollout file, or a saved rollout plan (`rollout plan … --out FILE`). */
export type RolloutInput = { readonly kind: "spec"; readonly parsed: ParsedRolloutSpec } | { readonly kind: "plan"; readonly saved: SavedRolloutPlan };

/**
 * Reads a rollout file or a saved rollout plan (told apart by the plan's `kind`). A malformed plan or one of an
 * unknown format version is invalid input (ValidationError, exit 3); so is a single-cluster plan (`plan --out`).
 * @param sdk - the loaded SDK
 * @param rollout - the loaded fleet package
 * @param path - the file
 */
export async function readRolloutFileOrPlan(sdk: SdkModule, rollout: RolloutModule, path: string): Promise<RolloutInput> {
  const text = await readUserFile(path, { what: "rollout file", maxBytes: sdk.INPUT_LIMITS.maxRolloutFileBytes });
  const kind = jsonKindOf(text);
  if (kind === rollout.ROLLOUT_PLAN_KIND) return { kind: "plan", saved: rollout.parseRolloutPlan(text, `The rollout plan ${path}`) };
  if (kind === sdk.SAVED_PLAN_KIND) throw new CliUsageError(`${path} is a plan of single clusters (\`aks-kube-proxy plan … --out\`): apply it with \`aks-kube-proxy apply ${path}\`. A rollout plan is made with \`aks-kube-proxy rollout plan ROLLOUT_FILE --out FILE\`.`);
  return { kind: "spec", parsed: parseRolloutFileText(rollout, text, path) };
}

function parseRolloutFileText(rollout: RolloutModule, text: string, path: string): ParsedRolloutSpec {
  try {
    // JSON is parsed as JSON (cheap; duplicate keys, depth and list lengths checked first); anything else is YAML.
    return rollout.parseRolloutText(text, { source: path }); // YAML: at most INPUT_LIMITS.maxRolloutYamlBytes (2 MB)
  } catch (error) {
    if (error instanceof CliUsageError || (error as { code?: unknown }).code === "ValidationError") throw error;
    // e.g. the YAML library's "Excessive alias count" (a billion-laughs document): still the file's fault.
    throw new CliUsageError(`The rollout file ${path} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  }
}
