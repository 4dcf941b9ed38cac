/**
 * Skip and stop through the journal (`rollout skip`, `rollout stop`), as Fleet Manager's update runs have them:
 * requests recorded beside the journal that running runners (every shard) honour at their next cluster. A file
 * journal keeps them in `<journal>.control.json` (the journal itself is locked by the running process), written
 * whole and atomically under its own lock; a blob journal keeps them in the fleet record, which every shard already
 * reads before each cluster. A skipped cluster (or every pending cluster of a skipped wave) ends `skipped` with
 * reason `requested`; a stop lets the clusters in progress finish and starts no other (outcome `stopped`) until it is
 * lifted (`rollout stop --lift`).
 * @packageDocumentation
 */
import { randomUUID } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { ValidationError } from "@aks-kube-proxy/sdk";
import { JournalLock } from "./journalLock";

/** The requests recorded for a rollout. */
export interface RolloutControl {
  /** Cluster resource ids to skip (lower case). */
  skipClusters: string[];
  /** Waves to skip (as the spec names them). */
  skipWaves: string[];
  /** Set while the rollout is stopped: who and when. */
  stop?: { by: string; at: string };
}

/** A change to the control requests. */
export type RolloutControlChange =
  | { readonly type: "skip-cluster"; readonly id: string }
  | { readonly type: "skip-wave"; readonly wave: string }
  | { readonly type: "stop"; readonly by: string; readonly at: string }
  | { readonly type: "lift-stop" };

/** The control requests with a change applied (pure; returns whether anything changed). @internal */
export function applyControlChange(control: RolloutControl, change: RolloutControlChange): boolean {
  switch (change.type) {
    case "skip-cluster": {
      const id = change.id.toLowerCase();
      if (control.skipClusters.includes(id)) return false;
      control.skipClusters.push(id);
      return true;
    }
    case "skip-wave":
      if (control.skipWaves.some((w) => w.toLowerCase() === change.wave.toLowerCase())) return false;
      control.skipWaves.push(change.wave);
      return true;
    case "stop":
      if (control.stop) return false;
      control.stop = { by: change.by, at: change.at };
      return true;
    case "lift-stop":
      if (!control.stop) return false;
      delete control.stop;
      return true;
  }
}

/** The control file of a file journal. */
export function controlFileOf(journalPath: string): string {
  return `${journalPath}.control.json`;
}

function emptyControl(): RolloutControl {
  return { skipClusters: [], skipWaves: [] };
}

/**
 * Reads a file journal's control requests (none when the file does not exist).
 * @param journalPath - the journal file
 */
export async function readFileControl(journalPath: string): Promise<RolloutControl> {
  let text: string;
  try {
    text = await readFile(controlFileOf(journalPath), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyControl();
    throw error;
  }
  try {
    const v = JSON.parse(text) as Partial<RolloutControl>;
    return { skipClusters: Array.isArray(v.skipClusters) ? v.skipClusters.map(String) : [], skipWaves: Array.isArray(v.skipWaves) ? v.skipWaves.map(String) : [], ...(v.stop ? { stop: v.stop } : {}) };
  } catch {
    throw new ValidationError(`${controlFileOf(journalPath)} is not valid JSON; delete it (it holds only skip and stop requests) and record them again.`, [{ path: "$", message: "not valid JSON" }]);
  }
}

/**
 * Applies a change to a file journal's control requests: under `<control file>.lock`, written whole to a temporary
 * file and renamed over the old one (a reader never sees half a file).
 * @param journalPath - the journal file
 * @param change - what to record
 * @returns the requests after the change, and whether it changed anything
 */
export async function updateFileControl(journalPath: string, change: RolloutControlChange): Promise<{ control: RolloutControl; changed: boolean }> {
  const path = controlFileOf(journalPath);
  const lock = await JournalLock.acquire(path, { purpose: `rollout ${change.type}` });
  try {
    const control = await readFileControl(journalPath);
    const changed = applyControlChange(control, change);
    if (changed) {
      const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(tmp, `${JSON.stringify(control, null, 2)}\n`);
      await rename(tmp, path);
    }
    return { control, changed };
  } finally {
    await lock.release();
  }
}
