/**
 * Saved plan files (`plan --out FILE`, `apply FILE`, `show FILE`): written whole or not at all, read under the input
 * limits and validated by the SDK (a malformed file or an unknown format version is an input error, exit 3).
 * @packageDocumentation
 */
import { rename, writeFile } from "node:fs/promises";
import type { SavedPlan } from "@aks-kube-proxy/sdk";
import { CliUsageError } from "../runtime/cli-error";
import type { SdkModule } from "../runtime/lazy";
import { readUserFile } from "./files";

/**
 * Reads and validates a saved plan (a regular file of at most the SDK's `INPUT_LIMITS.maxRolloutFileBytes`).
 * @param sdk - the loaded SDK
 * @param path - the file
 * @throws {@link CliUsageError} for a file that cannot be read; the SDK's `ValidationError` for one that is not a plan
 */
export async function readPlanFile(sdk: Pick<SdkModule, "parseSavedPlan" | "INPUT_LIMITS">, path: string): Promise<SavedPlan> {
  return sdk.parseSavedPlan(await readPlanFileText(sdk, path), `The plan file ${path}`);
}

/**
 * Reads a plan file's text (a regular file of at most the SDK's `INPUT_LIMITS.maxRolloutFileBytes`), not yet parsed.
 * @param sdk - the loaded SDK
 * @param path - the file
 * @throws {@link CliUsageError} for a file that cannot be read
 */
export async function readPlanFileText(sdk: Pick<SdkModule, "INPUT_LIMITS">, path: string): Promise<string> {
  return readUserFile(path, { what: "plan file", maxBytes: sdk.INPUT_LIMITS.maxRolloutFileBytes });
}

/**
 * Writes a saved plan: to a temporary file next to it, then renamed over it (a reader never sees half a plan).
 * @param path - where (`--out`)
 * @param text - the serialized plan
 * @throws {@link CliUsageError} naming the file when it cannot be written
 */
export async function writePlanFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, { encoding: "utf8", mode: 0o644 });
    await rename(temporary, path);
  } catch (error) {
    throw new CliUsageError(`The plan could not be written to ${path} (--out): ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
}
