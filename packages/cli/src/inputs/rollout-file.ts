/**
 * Reading a rollout file safely: a regular file, at most 20 MB when it is JSON and 2 MB when it is YAML (a YAML
 * parser needs far more memory per byte), YAML aliases limited; every failure is an input error naming the file.
 * @packageDocumentation
 */
import type { ParsedRolloutSpec } from "@aks-kube-proxy/rollout";
import { CliUsageError } from "../runtime/cli-error";
import type { RolloutModule, SdkModule } from "../runtime/lazy";
import { readUserFile } from "./files";

/**
 * Reads and parses a rollout file.
 * @param sdk - the loaded SDK
 * @param rollout - the loaded fleet package
 * @param path - the file
 */
export async function readRolloutSpecFile(sdk: SdkModule, rollout: RolloutModule, path: string): Promise<ParsedRolloutSpec> {
  const text = await readUserFile(path, { what: "rollout file", maxBytes: sdk.INPUT_LIMITS.maxRolloutFileBytes });
  try {
    // JSON is parsed as JSON (cheap; duplicate keys, depth and list lengths checked first); anything else is YAML.
    return rollout.parseRolloutText(text, { source: path }); // YAML: at most INPUT_LIMITS.maxRolloutYamlBytes (2 MB)
  } catch (error) {
    if (error instanceof CliUsageError || (error as { code?: unknown }).code === "ValidationError") throw error;
    // e.g. the YAML library's "Excessive alias count" (a billion-laughs document): still the file's fault.
    throw new CliUsageError(`The rollout file ${path} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  }
}
