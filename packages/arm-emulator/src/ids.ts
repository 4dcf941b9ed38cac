import { randomUUID } from "node:crypto";

/** A new random GUID (lower case, as ARM writes them). */
export function newGuid(): string {
  return randomUUID();
}

/**
 * The `name` AKS puts in an operation status: the operation URL's GUID with its first
 * three groups byte-swapped (the .NET `Guid.ToByteArray` little-endian layout), as every
 * recording shows: 18657723-f694-4e84-... -> 23776518-94f6-844e-...
 */
export function operationStatusName(operationId: string): string {
  const groups = operationId.split("-");
  const swap = (hex: string): string => (hex.match(/../g) ?? []).reverse().join("");
  return [swap(groups[0] ?? ""), swap(groups[1] ?? ""), swap(groups[2] ?? ""), ...groups.slice(3)].join("-");
}

/** ARM's timestamp style: ISO 8601 with seven fractional digits ("2022-10-07T18:29:05.8706297Z"). */
export function armTimestamp(timeInMs: number): string {
  const iso = new Date(timeInMs).toISOString(); // 2022-10-07T18:29:05.870Z
  return `${iso.slice(0, 23)}0000Z`;
}

/** An opaque etag value like the ones AKS returns. */
export function newEtag(): string {
  return randomUUID();
}
