/**
 * Reading a seed file: JSON `{ subscriptions?, clusters?, registeredFeatures?, approvalRequiredFeatures?, timings?, throttling?, aksThrottling?, listPageSize? }`.
 */
import { readFile } from "node:fs/promises";
import { isObject } from "./http";
import type { StartEmulatorOptions, SubscriptionSeed } from "./types";

/** A seed file that cannot be read or is not a valid seed: bad input (the bins exit 3). */
export class SeedFileError extends Error {
  /** Stable code. */
  readonly code = "InvalidSeedFile";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SeedFileError";
  }
}

/**
 * True for an error that says the emulator's options or seed file are wrong (a {@link SeedFileError}, or a control value
 * out of its range): bad input, not a failure of the emulator.
 */
export function isInvalidSeedError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "InvalidSeedFile" || code === "InvalidControlValue";
}

/** The options a seed file may set. */
export type SeedFileContents = Pick<
  StartEmulatorOptions,
  "subscriptions" | "clusters" | "registeredFeatures" | "approvalRequiredFeatures" | "timings" | "throttling" | "aksThrottling" | "listPageSize" | "kubeFaults"
>;

/** Reads and checks a seed file; the error names the file and what is wrong. */
export async function readSeedFile(path: string): Promise<SeedFileContents> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new SeedFileError(`Cannot read the seed file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SeedFileError(`The seed file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!isObject(data)) throw new SeedFileError(`The seed file ${path} must hold a JSON object.`);
  const arrays = ["subscriptions", "clusters", "registeredFeatures", "approvalRequiredFeatures", "kubeFaults"] as const;
  for (const key of arrays) {
    if (data[key] !== undefined && !Array.isArray(data[key])) throw new SeedFileError(`In the seed file ${path}, "${key}" must be an array.`);
  }
  if (data.subscriptions !== undefined) normalizeSubscriptionSeeds(data.subscriptions as unknown[], `In the seed file ${path}, subscriptions`);
  for (const [i, c] of ((data.clusters as unknown[] | undefined) ?? []).entries()) {
    if (!isObject(c) || typeof c.resourceGroup !== "string" || typeof c.name !== "string") {
      throw new SeedFileError(`In the seed file ${path}, clusters[${i}] needs "resourceGroup" and "name" strings.`);
    }
  }
  if (data.timings !== undefined && !isObject(data.timings)) throw new SeedFileError(`In the seed file ${path}, "timings" must be an object.`);
  if (data.aksThrottling !== undefined && data.aksThrottling !== false && !isObject(data.aksThrottling)) throw new SeedFileError(`In the seed file ${path}, "aksThrottling" must be an object or false.`);
  return data as SeedFileContents;
}

/**
 * The `subscriptions` option (or seed-file entry) as seeds: a string is `{ subscriptionId }`. Throws, naming the entry,
 * on anything else.
 * @param entries - ids or `{ subscriptionId, displayName?, tags? }`
 * @param where - how the error names the list
 */
export function normalizeSubscriptionSeeds(entries: readonly unknown[], where = "subscriptions"): SubscriptionSeed[] {
  return entries.map((entry, i) => {
    if (typeof entry === "string" && entry.trim() !== "") return { subscriptionId: entry };
    if (isObject(entry) && typeof entry.subscriptionId === "string" && entry.subscriptionId.trim() !== "") {
      const okName = entry.displayName === undefined || typeof entry.displayName === "string";
      const okTags = entry.tags === undefined || (isObject(entry.tags) && Object.values(entry.tags).every((v) => typeof v === "string"));
      if (okName && okTags) {
        return {
          subscriptionId: entry.subscriptionId,
          ...(entry.displayName !== undefined ? { displayName: entry.displayName as string } : {}),
          ...(entry.tags !== undefined ? { tags: { ...(entry.tags as Record<string, string>) } } : {}),
        };
      }
    }
    throw new SeedFileError(`${where}[${i}] must be a subscription id or { "subscriptionId": string, "displayName"?: string, "tags"?: { string: string } }.`);
  });
}
