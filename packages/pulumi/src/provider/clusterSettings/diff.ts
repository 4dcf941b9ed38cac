/**
 * `diff` of the cluster settings resource.
 * @packageDocumentation
 */
import { loadSdk } from "../runtime";
import { diffProperty, UNKNOWN, type PropertyChange } from "../values";
import type { ClusterSettingsOutputs, ClusterSettingsRawInputs, DetailedDiffResult } from "./types";

/** Properties whose change means another cluster: a replacement (delete restores the old cluster). */
const IDENTITY_PROPERTIES = ["subscriptionId", "resourceGroupName", "clusterName"] as const;

/**
 * Field-level diff of the cluster settings resource: a settings change is an update, never a replacement; another
 * cluster (subscription, resource group or name) replaces; a cluster not converged shows `provisioningState`.
 * @param olds - the state
 * @param news - the checked inputs
 */
export function diffClusterSettings(olds: ClusterSettingsOutputs, news: ClusterSettingsRawInputs): DetailedDiffResult {
  const o = olds as unknown as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  const changes: PropertyChange[] = [];
  const replaces: string[] = [];
  for (const key of IDENTITY_PROPERTIES) {
    const before = o[key];
    const after = n[key];
    const same = typeof before === "string" && typeof after === "string" && after !== UNKNOWN && before.toLowerCase() === after.toLowerCase();
    if (!same) {
      replaces.push(key);
      changes.push({ path: key, kind: "update-replace" });
    }
  }
  changes.push(...diffProperty("settings", o["settings"], n["settings"]));
  // The one definition of converged: a cluster read Failed/Canceled (reconcile) or with an operation in flight is
  // not converged even with the desired settings, so update runs (apply waits, or writes the same settings again).
  const state = o["provisioningState"];
  if (typeof state === "string" && state !== "" && loadSdk().classifyProvisioningState(state, `${String(o["resourceGroupName"])}/${String(o["clusterName"])}`) !== "succeeded") {
    changes.push({ path: "provisioningState", kind: "update" });
  }
  for (const key of ["apiVersion", "restoreOnDelete", "allowDisable", "settingsFile", "verifyDataPlane"]) {
    const before = o[key] ?? null;
    const after = n[key] ?? null;
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      changes.push({ path: key, kind: before === null ? "add" : after === null ? "delete" : "update" });
    }
  }
  const detailedDiff: DetailedDiffResult["detailedDiff"] = {};
  for (const c of changes) detailedDiff[c.path] = { kind: c.kind, inputDiff: true };
  return { changes: changes.length > 0, replaces, deleteBeforeReplace: false, detailedDiff };
}
