/**
 * Which api-versions each emulated resource type accepts, and what each managedClusters
 * api-version can express. Sources:
 * - kubeProxyConfig: first in 2022-08-02-preview (shared/arm/kubeProxyConfig_2022-08-02-preview.json);
 *   no GA api-version has it (shared/README.md).
 * - NFTABLES: first in 2025-09-02-preview (shared/arm/kubeProxyConfig_2025-09-02-preview.json).
 * - eTag on the cluster: first in 2024-04-02-preview (spec examples ManagedClustersGet.json of
 *   2024-03-02-preview has none, 2024-04-02-preview has "eTag") and in GA 2024-09-01 (2024-07-01 has none).
 * - Newest preview seen: 2026-08-02-preview (shared/arm/managedClusters_paths_2026-08-02-preview_excerpt.json).
 */

const VERSION_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(-preview)?$/;

/** A parsed api-version. */
export interface ApiVersion {
  raw: string;
  /** "YYYY-MM-DD" */
  date: string;
  preview: boolean;
}

/** Parses "2024-07-02-preview"; undefined when not an api-version at all. */
export function parseApiVersion(raw: string): ApiVersion | undefined {
  const m = VERSION_PATTERN.exec(raw);
  if (!m) return undefined;
  return { raw, date: `${m[1]}-${m[2]}-${m[3]}`, preview: m[4] !== undefined };
}

/** Oldest and newest managedClusters api-versions the emulator answers. */
export const MANAGED_CLUSTERS_OLDEST = "2017-08-31";
export const MANAGED_CLUSTERS_NEWEST_PREVIEW = "2026-08-02";
/** Newest GA api-version the emulator answers (later GA versions are assumed to exist up to the newest preview's date). */
export const MANAGED_CLUSTERS_NEWEST = "2026-08-02";

/** True when managedClusters answers this api-version. */
export function isManagedClustersApiVersion(v: ApiVersion): boolean {
  return v.date >= MANAGED_CLUSTERS_OLDEST && v.date <= (v.preview ? MANAGED_CLUSTERS_NEWEST_PREVIEW : MANAGED_CLUSTERS_NEWEST);
}

/** kubeProxyConfig exists in this api-version's model (preview >= 2022-08-02-preview). */
export function supportsKubeProxyConfig(v: ApiVersion): boolean {
  return v.preview && v.date >= "2022-08-02";
}

/** NFTABLES is in this api-version's mode enum (preview >= 2025-09-02-preview). */
export function supportsNftables(v: ApiVersion): boolean {
  return v.preview && v.date >= "2025-09-02";
}

/** The cluster carries `eTag` (preview >= 2024-04-02-preview, GA >= 2024-09-01). */
export function supportsEtag(v: ApiVersion): boolean {
  return v.preview ? v.date >= "2024-04-02" : v.date >= "2024-09-01";
}

/** Microsoft.Features api-versions (2015-12-01 in the python recording, 2021-07-01 in the spec and azure-cli). */
export const FEATURES_API_VERSIONS = ["2014-08-01-preview", "2015-12-01", "2021-07-01"];

/** Microsoft.Resources api-versions (providers, resource groups). */
export const RESOURCES_API_VERSIONS = [
  "2014-04-01", "2015-01-01", "2015-11-01", "2016-02-01", "2016-06-01", "2016-07-01", "2016-09-01", "2017-05-10",
  "2018-02-01", "2018-05-01", "2019-03-01", "2019-05-01", "2019-05-10", "2019-07-01", "2019-08-01", "2019-10-01",
  "2020-06-01", "2020-08-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01",
  "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01",
];

/**
 * Microsoft.Resources subscriptions api-versions: the stable folders of azure-rest-api-specs that hold a
 * `subscriptions.json` (resource-manager/Microsoft.Resources/stable/{version}/subscriptions.json).
 */
export const SUBSCRIPTIONS_API_VERSIONS = ["2015-11-01", "2016-06-01", "2018-06-01", "2019-06-01", "2019-11-01", "2020-01-01", "2021-01-01", "2022-12-01"];

/** Operation-status api-versions AKS hands out (2016-03-30 in the recordings, 2017-08-31 elsewhere). */
export const OPERATION_STATUS_API_VERSION = "2016-03-30";
