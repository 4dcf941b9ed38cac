/**
 * Reading a rollout file safely: a regular file, at most 20 MB when it is JSON and 2 MB when it is YAML (a YAML
 * parser needs far more memory per byte), YAML aliases limited; every failure is an input error naming the file.
 * @packageDocumentation
 */
import type { ParsedRolloutSpec } from "@aks-kube-proxy/sdk";
import { CliUsageError } from "../runtime/cli-error";
import type { SdkModule } from "../runtime/lazy";
import { MAX_ROLLOUT_JSON_BYTES, MAX_ROLLOUT_YAML_BYTES, readUserFile } from "./files";

/**
 * Reads and parses a rollout file.
 * @param sdk - the loaded SDK
 * @param path - the file
 */
export async function readRolloutSpecFile(sdk: SdkModule, path: string): Promise<ParsedRolloutSpec> {
  const text = await readUserFile(path, { what: "rollout file", maxBytes: MAX_ROLLOUT_JSON_BYTES });
  try {
    if (/^\s*[{[]/.test(text)) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      // JSON is parsed as JSON (cheap); anything else that starts like it is YAML flow syntax.
      if (json !== undefined) return sdk.parseRolloutSpec(json, { source: path });
    }
    if (Buffer.byteLength(text) > MAX_ROLLOUT_YAML_BYTES) {
      throw new CliUsageError(
        `The rollout file ${path} is YAML of ${(Buffer.byteLength(text) / (1024 * 1024)).toFixed(1)} MB; a YAML rollout file may be at most ${MAX_ROLLOUT_YAML_BYTES / (1024 * 1024)} MB (JSON: ${MAX_ROLLOUT_JSON_BYTES / (1024 * 1024)} MB). Select clusters with patterns, tags or resource groups rather than long lists, or write it as JSON.`,
      );
    }
    return sdk.parseRolloutText(text, { source: path });
  } catch (error) {
    if (error instanceof CliUsageError || (error as { code?: unknown }).code === "ValidationError") throw error;
    // e.g. the YAML library's "Excessive alias count" (a billion-laughs document): still the file's fault.
    throw new CliUsageError(`The rollout file ${path} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  }
}
