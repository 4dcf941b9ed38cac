/**
 * JSON Schema of the rollout file: the one description of its shape. The parser ({@link parseRolloutSpec}) validates
 * every document against it (ajv) and words the errors; editors use it for completion and early squiggles (YAML:
 * `# yaml-language-server: $schema=...`). Published as `packages/rollout/schema/rollout.schema.json`. What a schema
 * cannot say (unique names, semver ranges, limits over the whole file) is `rolloutRules.ts`.
 * @packageDocumentation
 */
import { kubeProxySettingsJsonSchema, INPUT_LIMITS, DURATION_PATTERN_SOURCE } from "@aks-kube-proxy/sdk";

/** A name as YAML may read it: `ring: 0` is the number 0, taken as "0". */
const text = { type: ["string", "number"], minLength: 1 };

/**
 * One value or a non-empty list of them. Written with a type union and type-specific keywords rather than `oneOf`, so
 * that a validator reports the one problem of a value, not one per branch (the friendly errors rest on it).
 */
const stringOrList = (description: string, item: Record<string, unknown> = text): Record<string, unknown> => ({
  description,
  ...item,
  type: [...[item["type"]].flat(), "array"],
  items: item,
  minItems: 1,
  maxItems: INPUT_LIMITS.maxEntries,
});

/** A pattern that matches `word` in any case (ARM ids come as `resourcegroups` too; JSON Schema has no `i` flag). */
function anyCase(word: string): string {
  return [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c === "." ? "\\." : c)).join("");
}

const subscriptionId = { type: "string", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" };
const duration = {
  description: 'A duration with units: "30s", "10m", "1h30m", "500ms", or "0".',
  type: ["string", "number"],
  pattern: DURATION_PATTERN_SOURCE,
  minimum: 0,
  maximum: 0,
};
const percent = (min: number, exclusive: boolean): Record<string, unknown> => ({
  type: ["number", "string"],
  ...(exclusive ? { exclusiveMinimum: min } : { minimum: min }),
  maximum: 100,
  pattern: "^\\d+(\\.\\d+)?%$",
});

const concurrency = (description: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  description: `${description} A count, or a percentage ("25%", rounded up, at least 1) as Fleet Manager writes it.`,
  type: ["integer", "string"],
  minimum: 1,
  pattern: "^\\d+(\\.\\d+)?%$",
  ...extra,
});

const { $schema: _schema, $id: _id, ...kubeProxyConfig } = kubeProxySettingsJsonSchema;

/**
 * JSON Schema (draft-07) of a rollout file. Also written to `packages/rollout/schema/rollout.schema.json`.
 */
export const rolloutJsonSchema: Record<string, unknown> = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://github.com/aks-kube-proxy/aks-kube-proxy/packages/rollout/schema/rollout.schema.json",
  title: "aks-kube-proxy fleet rollout",
  description: "Which clusters to change, to which kube-proxy settings, in which waves, how fast and when to stop.",
  type: "object",
  required: ["subscriptions"],
  anyOf: [{ required: ["settings"] }, { required: ["groups"] }],
  additionalProperties: false,
  properties: {
    $schema: { type: "string" },
    name: { ...text, description: "Name of the rollout, shown in reports and JUnit suite names.", default: "rollout" },
    subscriptions: {
      description: "Subscriptions whose clusters are listed (paged ARM list per subscription).",
      ...subscriptionId,
      type: ["string", "array"],
      minItems: 1,
      maxItems: INPUT_LIMITS.maxSubscriptions,
      items: {
        description: "A subscription id, or an object with its id and its own concurrency bound.",
        ...subscriptionId,
        type: ["string", "object"],
        required: ["id"],
        additionalProperties: false,
        properties: {
          id: subscriptionId,
          maxConcurrency: concurrency("Clusters in progress at once in this subscription (a percentage: of its clusters in the running wave)."),
        },
      },
    },
    select: { $ref: "#/definitions/selectors", description: "Clusters matching any selector are in the fleet; leave out for every cluster." },
    exclude: { $ref: "#/definitions/selectors", description: "Clusters matching any selector are left out." },
    settings: { $ref: "#/definitions/kubeProxyConfig", description: "Desired kube-proxy settings for clusters no group matches (az --kube-proxy-config format)." },
    groups: {
      type: "array",
      maxItems: INPUT_LIMITS.maxGroupsOrWaves,
      description: "Settings per group of clusters; the first group that matches a cluster wins.",
      items: {
        type: "object",
        required: ["select", "settings"],
        additionalProperties: false,
        properties: {
          name: text,
          select: { $ref: "#/definitions/selectors" },
          settings: { $ref: "#/definitions/kubeProxyConfig" },
        },
      },
    },
    waves: {
      type: "array",
      minItems: 1,
      maxItems: INPUT_LIMITS.maxGroupsOrWaves,
      description: "Ordered waves. Each takes from the clusters no earlier wave took; a wave without count, percent or select takes the rest (last wave only).",
      items: {
        type: "object",
        additionalProperties: false,
        properties: {
          name: text,
          count: { type: "integer", minimum: 1, description: "At most this many clusters (e.g. 1 for a canary)." },
          percent: { ...percent(0, true), description: "At most this percentage of the clusters that need a change (rounded up)." },
          select: { $ref: "#/definitions/selectors", description: 'Only clusters matching these (e.g. tags: { ring: "0" }).' },
          soakTime: { ...duration, description: "Wait this long after the wave before the next one." },
          halt: { $ref: "#/definitions/halt" },
          maxConcurrency: concurrency("Clusters of this wave in progress at once (a percentage: of the wave's clusters)."),
          approval: { type: "boolean", default: false, description: "Stop before this wave until `rollout approve --wave NAME` (the run exits awaiting-approval, code 6)." },
          healthGate: { $ref: "#/definitions/healthGate" },
        },
        not: { required: ["count", "percent"] },
      },
    },
    soakTime: { ...duration, description: "Wait this long after each wave before the next one. Default 0." },
    halt: { $ref: "#/definitions/halt" },
    maxConcurrency: concurrency("Clusters in progress at once, overall (a percentage: of the running wave's clusters).", { default: 20 }),
    maxConcurrencyPerSubscription: concurrency("Clusters in progress at once in one subscription (a percentage: of its clusters in the running wave).", { default: 10 }),
    enablePreview: { type: "boolean", default: true, description: "Enable the preview once per subscription before its first write." },
    allowDisable: { type: "boolean", default: false, description: "Allow enabled: false (bring-your-own CNI clusters only)." },
    healthGate: { $ref: "#/definitions/healthGate", description: "Health gate of every wave that has none." },
  },
  definitions: {
    kubeProxyConfig,
    halt: {
      type: "object",
      description: "Stop starting new clusters when failures in a wave exceed a threshold. Default: maxFailures 0.",
      additionalProperties: false,
      minProperties: 1,
      properties: {
        maxFailures: { type: "integer", minimum: 0, description: "Halt when more than this many clusters of a wave failed." },
        maxFailurePercent: { ...percent(0, false), description: "Halt when more than this percentage of a wave's clusters failed." },
        rollback: { type: "boolean", default: false, description: "On a halt, restore the halted wave's written clusters (the rollout's rollback, limited to that wave)." },
      },
    },
    healthGate: {
      type: "object",
      description: "A cluster counts as done only when its data plane (kube-proxy on the nodes) converges; a gate that fails or times out is a failure for the halt rule.",
      additionalProperties: false,
      required: ["dataPlane"],
      properties: {
        dataPlane: { type: "boolean", description: "Wait for kube-proxy's DaemonSet rollout and /proxyMode on the nodes (false: no gate for this wave)." },
        timeout: { ...duration, description: 'Give up (a failure) after this long. Default "15m".' },
        unreachable: { enum: ["fail", "skip"], default: "fail", description: "An API server the gate cannot reach: a failure (fail), or done without the data plane verified (skip)." },
      },
    },
    selectors: {
      description: "One cluster selector, or a list of them (a cluster matching any of them matches).",
      if: { type: "array" },
      then: { items: { $ref: "#/definitions/selector" }, minItems: 1, maxItems: INPUT_LIMITS.maxSelectors },
      else: { $ref: "#/definitions/selector" },
    },
    selector: {
      type: "object",
      description: "Every field given must match; within a list, any entry.",
      additionalProperties: false,
      properties: {
        ids: stringOrList("Cluster resource ids.", {
          type: "string",
          pattern: `^/${anyCase("subscriptions")}/[^/]+/${anyCase("resourceGroups")}/[^/]+/${anyCase("providers")}/${anyCase("Microsoft.ContainerService")}/${anyCase("managedClusters")}/[^/]+$`,
        }),
        subscriptions: stringOrList("Subscription ids.", subscriptionId),
        resourceGroups: stringOrList("Resource group names or glob patterns (*, ?), any case."),
        names: stringOrList("Cluster names or glob patterns (*, ?), any case."),
        tags: {
          type: "object",
          description: 'Tag name to value(s) or glob pattern(s); "*" accepts any value.',
          additionalProperties: stringOrList("Accepted values."),
        },
        locations: stringOrList('Azure regions ("westus2" or "West US 2").'),
        kubernetesVersion: { ...text, description: 'A semver range over kubernetesVersion, e.g. ">=1.30 <1.34", "1.33.x".' },
      },
    },
  },
};

/** @internal */
export const ROLLOUT_SCHEMA_FILE_NAME = "rollout.schema.json";
