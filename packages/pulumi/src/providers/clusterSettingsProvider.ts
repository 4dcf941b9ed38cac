/**
 * The dynamic provider behind one cluster's kube-proxy settings: validates with the SDK (`check`), shows which
 * setting changes (`diff`), applies through the SDK (`create`/`update`), notices drift (`read`) and puts the previous
 * settings back (`delete`, when `restoreOnDelete`).
 *
 * Pulumi stores a shim in the state, not this code (see providers/shim); this provider is still kept serializable
 * by Pulumi's closure serializer (no top-level runtime import but this package's pure helpers, the SDK required inside
 * the methods, nothing captured but `options` and an empty runtime), so it can be handed to `pulumi.dynamic.Resource`
 * directly, e.g. with an injected API factory.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterState, DataPlaneResult, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import type { KubeProxyApi, KubeProxyProviderOptions } from "./api";
import { clientFor, configureProviderRuntime, explainError, loadSdk, newProviderRuntime } from "./runtime";
import { booleanOr, containsUnknown, diffProperty, optionalString, UNKNOWN, type PropertyChange } from "./values";

/** Inputs of the cluster settings resource as the component sends them (before `check`). */
export interface ClusterSettingsRawInputs {
  /** Subscription; may be omitted when `clusterId` names it. */
  readonly subscriptionId?: string;
  /** Resource group of the cluster (with `clusterName`). */
  readonly resourceGroupName?: string;
  /** Cluster name (with `resourceGroupName`). */
  readonly clusterName?: string;
  /** Cluster resource id (instead of resource group and name). */
  readonly clusterId?: string;
  /** Settings in the SDK's shape (or the az file's, keys in any case). */
  readonly settings?: unknown;
  /** Path of a settings file in the `az aks --kube-proxy-config` format. */
  readonly settingsFile?: string;
  /** Preview api-version. */
  readonly apiVersion?: string;
  /** Put the previous settings back on delete. */
  readonly restoreOnDelete?: boolean;
  /** Allow `enabled: false`. */
  readonly allowDisable?: boolean;
  /** After apply, wait until kube-proxy on the nodes runs the settings; refresh reads the nodes too. */
  readonly verifyDataPlane?: boolean;
}

/** Inputs after `check`: the cluster resolved, the settings parsed and canonical, defaults filled. */
export interface ClusterSettingsInputs {
  /** Subscription id. */
  readonly subscriptionId: string;
  /** Resource group. */
  readonly resourceGroupName: string;
  /** Cluster name. */
  readonly clusterName: string;
  /** The desired settings, normalized by the SDK. */
  readonly settings: KubeProxyConfig;
  /** The settings file they were read from, if any. */
  readonly settingsFile?: string;
  /** Preview api-version used for reads and writes. */
  readonly apiVersion: string;
  /** Put the previous settings back on delete. */
  readonly restoreOnDelete: boolean;
  /** Allow `enabled: false`. */
  readonly allowDisable: boolean;
  /** Verify the data plane after apply and at refresh. */
  readonly verifyDataPlane: boolean;
}

/** The data plane as the resource reports it (`dataPlane` output): a flat summary of the SDK's result. */
export interface DataPlaneOutput {
  /** `converged`, `rolling-out`, `mismatch` or `unreachable`. */
  readonly verdict: string;
  /** One line: progress, the mismatched node and flag, or why it is unreachable and what to do. */
  readonly summary: string;
  readonly convergedNodes: number;
  readonly totalNodes: number;
  readonly checkedNodes: string[];
  readonly skippedNodes: string[];
  readonly pendingNodes: string[];
  /** `node: field is found, expected expected` per difference. */
  readonly mismatches: string[];
}

/** The `dataPlane` output of an SDK result. */
export function dataPlaneOutputOf(result: DataPlaneResult): DataPlaneOutput {
  return {
    verdict: result.verdict,
    summary: result.summary,
    convergedNodes: result.rollout?.convergedNodes ?? 0,
    totalNodes: result.rollout?.totalNodes ?? 0,
    checkedNodes: [...result.checkedNodes],
    skippedNodes: [...result.skippedNodes],
    pendingNodes: [...result.pendingNodes],
    mismatches: result.mismatches.map((m) => `${m.node ?? "DaemonSet kube-system/kube-proxy"}: ${m.field} is ${m.found ?? "absent"}, expected ${m.expected}`),
  };
}

/** The resource's state: its inputs plus what was read from the cluster. */
export interface ClusterSettingsOutputs extends ClusterSettingsInputs {
  /** The cluster's resource id. */
  readonly clusterId: string;
  /** kubeProxyConfig as the cluster returned it after the last apply or read (null when absent). */
  readonly appliedSettings: KubeProxyConfig | null;
  /** kubeProxyConfig before this resource first changed it (null when absent); what delete restores. */
  readonly previousSettings: KubeProxyConfig | null;
  /** The cluster's provisioningState at the last apply or read. */
  readonly provisioningState: string | null;
  /** The cluster's Kubernetes version. */
  readonly kubernetesVersion: string | null;
  /** The cluster's network plugin. */
  readonly networkPlugin: string | null;
  /** The cluster's network policy. */
  readonly networkPolicy: string | null;
  /** Paths of settings where the cluster differed from the desired ones at the last read (drift). */
  readonly drift: string[];
  /** Warnings and notes from validation and planning, as `[id] message`. */
  readonly warnings: string[];
  /** The data plane at the last apply or refresh (null unless `verifyDataPlane`). */
  readonly dataPlane: DataPlaneOutput | null;
}

/** A diff with Pulumi's field-level `detailedDiff` (the Node.js dynamic-provider host forwards only `changes` and `replaces`). */
export interface DetailedDiffResult extends pulumi.dynamic.DiffResult {
  /** Property path → kind of change. */
  readonly detailedDiff: Record<string, { kind: PropertyChange["kind"]; inputDiff: boolean }>;
}

/** The cluster settings provider, with the methods Pulumi calls, all defined. */
export interface ClusterSettingsProvider extends pulumi.dynamic.ResourceProvider<ClusterSettingsRawInputs, ClusterSettingsOutputs> {
  /** Reads the credential configuration. */
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void>;
  /** Validates and normalizes inputs; SDK validation errors become check failures. */
  check(olds: ClusterSettingsRawInputs, news: ClusterSettingsRawInputs): Promise<pulumi.dynamic.CheckResult<ClusterSettingsRawInputs>>;
  /** Field-level diff; a settings change is an update, never a replacement. */
  diff(id: string, olds: ClusterSettingsOutputs, news: ClusterSettingsRawInputs): Promise<DetailedDiffResult>;
  /** Records the previous settings and applies the desired ones. */
  create(inputs: ClusterSettingsRawInputs): Promise<pulumi.dynamic.CreateResult<ClusterSettingsOutputs>>;
  /** Reads the cluster: drift shows as changed `settings`. */
  read(id: string, props?: ClusterSettingsOutputs): Promise<pulumi.dynamic.ReadResult<ClusterSettingsOutputs>>;
  /** Applies the new settings (writes only when the cluster differs). */
  update(id: string, olds: ClusterSettingsOutputs, news: ClusterSettingsRawInputs): Promise<pulumi.dynamic.UpdateResult<ClusterSettingsOutputs>>;
  /** Restores the previous settings when `restoreOnDelete`, else leaves the cluster as it is. */
  delete(id: string, props: ClusterSettingsOutputs): Promise<void>;
}

/**
 * What create and update throw when the cluster's write may have been sent or was accepted and then the apply failed
 * (the operation ended Failed, the deadline passed, the answer was lost…): the SDK's error (its `code` unchanged) with
 * the fields `@pulumi/pulumi/provider` packs into Pulumi's `ErrorResourceInitFailed`, so the engine records the
 * resource with these outputs and the reasons as its init errors.
 */
export interface PartialStateError extends Error {
  /** The cluster's resource id (the resource's id). */
  id: string;
  /** The resource's outputs: the desired settings as inputs, the previous settings (what delete restores). */
  properties: ClusterSettingsOutputs;
  /** Why it did not finish; the engine stores them as the resource's init errors. */
  reasons: string[];
}

/**
 * Whether a failed apply may have changed the cluster: the SDK's error says a write was sent (its answer not seen) or
 * accepted (`writeMayHaveBeenSent`, `writeAccepted`, or the operation URL of an accepted write).
 * @param error - what the SDK's apply threw
 */
export function writeMayHaveReachedCluster(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { writeMayHaveBeenSent?: unknown; writeAccepted?: unknown; operationUrl?: unknown };
  return e.writeMayHaveBeenSent === true || e.writeAccepted === true || (typeof e.operationUrl === "string" && e.operationUrl !== "");
}

/** How long the read after a failed write (for the partial state's outputs) may take before it is given up. */
const PARTIAL_STATE_READ_TIMEOUT_IN_MS = 60_000;

/** How long check's read of the cluster (for the blockers that depend on it) may take before it is given up. */
const CHECK_READ_TIMEOUT_IN_MS = 20_000;

/** Properties whose change means another cluster: a replacement (delete restores the old cluster). */
const IDENTITY_PROPERTIES = ["subscriptionId", "resourceGroupName", "clusterName"] as const;

/**
 * Creates the cluster settings provider.
 * @param options - injectable API factory (tests), explicit auth, environment
 */
export function createClusterSettingsProvider(options: KubeProxyProviderOptions = {}): ClusterSettingsProvider {
  const runtime = newProviderRuntime(options);

  const asInputs = (props: ClusterSettingsRawInputs | ClusterSettingsOutputs): ClusterSettingsInputs => {
    const p = props as Record<string, unknown>;
    const settingsFile = optionalString(p["settingsFile"]);
    return {
      subscriptionId: String(p["subscriptionId"]),
      resourceGroupName: String(p["resourceGroupName"]),
      clusterName: String(p["clusterName"]),
      settings: (p["settings"] ?? {}) as KubeProxyConfig,
      ...(settingsFile !== undefined ? { settingsFile } : {}),
      apiVersion: String(p["apiVersion"]),
      restoreOnDelete: booleanOr(p["restoreOnDelete"], true),
      allowDisable: booleanOr(p["allowDisable"], false),
      verifyDataPlane: booleanOr(p["verifyDataPlane"], false),
    };
  };

  const formatFindings = (findings: readonly { id: string; message: string }[]): string[] => findings.map((f) => `[${f.id}] ${f.message}`);

  const outputsFrom = (
    inputs: ClusterSettingsInputs,
    cluster: ClusterState,
    extra: { previousSettings: KubeProxyConfig | null; drift: string[]; warnings: string[]; settings?: KubeProxyConfig; dataPlane?: DataPlaneOutput | null },
  ): ClusterSettingsOutputs => ({
    ...inputs,
    ...(extra.settings !== undefined ? { settings: extra.settings } : {}),
    clusterId: cluster.id,
    appliedSettings: cluster.kubeProxyConfig ?? null,
    previousSettings: extra.previousSettings,
    provisioningState: cluster.provisioningState ?? null,
    kubernetesVersion: cluster.kubernetesVersion ?? null,
    networkPlugin: cluster.networkPlugin ?? null,
    networkPolicy: cluster.networkPolicy ?? null,
    drift: extra.drift,
    warnings: extra.warnings,
    dataPlane: extra.dataPlane ?? null,
  });

  /** The settings file's notes (e.g. the docs' `TCPTimeoutSeconds` spelling), which check's canonical settings no longer show. */
  const fileWarnings = async (inputs: ClusterSettingsInputs): Promise<string[]> => {
    if (inputs.settingsFile === undefined) return [];
    try {
      return formatFindings((await loadSdk().readKubeProxySettingsFile(inputs.settingsFile)).warnings);
    } catch {
      return [];
    }
  };

  const refOf = (inputs: ClusterSettingsInputs) => ({ subscriptionId: inputs.subscriptionId, resourceGroup: inputs.resourceGroupName, name: inputs.clusterName });

  /**
   * The error a create or update throws when its write may have reached the cluster: the SDK's error, with the id,
   * the outputs the resource has now (the desired settings as inputs, the previous settings delete restores, the
   * cluster as read after the failure) and the reasons, which `@pulumi/pulumi/provider` sends the engine as
   * `ErrorResourceInitFailed`. The engine then records the resource as partially initialized: the next `up` updates
   * it (applies again), `destroy` deletes it (restores).
   */
  const partialState = async (
    client: Pick<KubeProxyApi, "getCluster">,
    inputs: ClusterSettingsInputs,
    explained: Error,
    known: { id: string; previousSettings: KubeProxyConfig | null; before?: ClusterState },
  ): Promise<Error> => {
    // What the cluster has now (settings, provisioningState); best effort, bounded: the failure may be the network's.
    const now = await client.getCluster(refOf(inputs), { abortSignal: AbortSignal.timeout(PARTIAL_STATE_READ_TIMEOUT_IN_MS) }).catch(() => undefined);
    const id = now?.id || known.id;
    if (id === "") return explained;
    const warnings = await fileWarnings(inputs);
    const extra = { previousSettings: known.previousSettings, drift: [], warnings };
    const cluster = now ?? known.before;
    const properties: ClusterSettingsOutputs = cluster
      ? { ...outputsFrom(inputs, cluster, extra), ...(now === undefined ? { appliedSettings: null, provisioningState: null } : {}) }
      : { ...inputs, clusterId: id, appliedSettings: null, previousSettings: known.previousSettings, provisioningState: null, kubernetesVersion: null, networkPlugin: null, networkPolicy: null, drift: [], warnings, dataPlane: null };
    explained.message =
      `${explained.message}\nA write may have reached the cluster, so Pulumi records this resource as partially created: ` +
      `the next pulumi up applies the settings again${inputs.restoreOnDelete ? "; pulumi destroy puts back the settings the cluster had before" : ""}.`;
    const failure: PartialStateError = Object.assign(explained, { id, properties, reasons: [explained.message] });
    return failure;
  };

  /**
   * Applies `inputs.settings`; returns the outputs (previousSettings as given, or read first). A failure after a write
   * that may have reached the cluster is a {@link PartialStateError}; any other failure is plain (nothing recorded).
   */
  const applyDesired = async (inputs: ClusterSettingsInputs, previousSettings: KubeProxyConfig | null | "read", knownId = ""): Promise<{ id: string; outs: ClusterSettingsOutputs }> => {
    const client = await clientFor(runtime, inputs.subscriptionId, inputs.apiVersion).catch((error: unknown) => {
      throw explainError(runtime, inputs.subscriptionId, error);
    });
    const ref = refOf(inputs);
    let previous: KubeProxyConfig | null;
    let before: ClusterState | undefined;
    if (previousSettings === "read") {
      try {
        before = await client.getCluster(ref);
      } catch (error) {
        throw explainError(runtime, inputs.subscriptionId, error);
      }
      previous = before.kubeProxyConfig ?? null;
    } else {
      previous = previousSettings;
    }
    try {
      const result = await client.apply(ref, inputs.settings, { allowDisable: inputs.allowDisable });
      const warnings = [...(await fileWarnings(inputs)), ...formatFindings(result.plan.warnings)];
      let dataPlane: DataPlaneOutput | null = null;
      if (inputs.verifyDataPlane) {
        // Converged includes the nodes when asked: wait for the kube-proxy rollout (reads only; a re-run waits again).
        if (!client.waitForDataPlane) throw new Error("verifyDataPlane: this client cannot read the data plane.");
        const checked = dataPlaneOutputOf(await client.waitForDataPlane(ref, inputs.settings));
        if (checked.verdict !== "converged") {
          throw Object.assign(new Error(`Azure applied the kube-proxy settings, but the data plane is ${checked.verdict}: ${checked.summary}`), { code: "DataPlaneNotConverged", writeAccepted: true });
        }
        dataPlane = checked;
      }
      return { id: result.cluster.id, outs: outputsFrom(inputs, result.cluster, { previousSettings: previous, drift: [], warnings, dataPlane }) };
    } catch (error) {
      const explained = explainError(runtime, inputs.subscriptionId, error);
      if (!writeMayHaveReachedCluster(error)) throw explained;
      throw await partialState(client, inputs, explained, { id: before?.id ?? knownId, previousSettings: previous, ...(before ? { before } : {}) });
    }
  };

  /**
   * The blockers that depend on the cluster (a Cilium data plane, IPVS with Azure Network Policy, NFTABLES before
   * Kubernetes 1.33…), from the same `planKubeProxyChange` that up runs, as check failures on `settings`, so that
   * `pulumi preview` fails on them. Only when every input is known and the cluster can be read now: a cluster this
   * program has yet to create, or no credential during preview, is left to up, which reads again and stops before any
   * write.
   */
  const clusterBlockers = async (inputs: Record<string, unknown>): Promise<pulumi.dynamic.CheckFailure[]> => {
    const known = (v: unknown): v is string => typeof v === "string" && v !== "" && v !== UNKNOWN;
    const { subscriptionId, resourceGroupName, clusterName, apiVersion, settings, allowDisable } = inputs;
    if (!known(subscriptionId) || !known(resourceGroupName) || !known(clusterName) || !known(apiVersion)) return [];
    if (typeof settings !== "object" || settings === null || containsUnknown(settings) || typeof allowDisable !== "boolean") return [];
    let cluster: ClusterState;
    try {
      const client = await clientFor(runtime, subscriptionId, apiVersion);
      cluster = await client.getCluster({ subscriptionId, resourceGroup: resourceGroupName, name: clusterName }, { abortSignal: AbortSignal.timeout(CHECK_READ_TIMEOUT_IN_MS) });
    } catch {
      return [];
    }
    const plan = loadSdk().planKubeProxyChange({ cluster, desired: settings as KubeProxyConfig, apiVersion, allowDisable });
    return plan.blockers.map((b) => ({ property: "settings", reason: `[${b.id}] ${b.message} Nothing was written (${resourceGroupName}/${clusterName}).` }));
  };

  const provider: ClusterSettingsProvider = {
    async configure(req) {
      configureProviderRuntime(runtime, req.config);
    },

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      const sdk = loadSdk();
      const n = news as Record<string, unknown>;
      const fail = (property: string, error: unknown): void => {
        failures.push({ property, reason: error instanceof Error ? error.message : String(error) });
      };

      let subscriptionId = n["subscriptionId"];
      let resourceGroupName = n["resourceGroupName"];
      let clusterName = n["clusterName"];
      const clusterId = n["clusterId"];
      if (clusterId !== undefined && clusterId !== null && clusterId !== "") {
        if (resourceGroupName !== undefined || clusterName !== undefined) {
          failures.push({ property: "clusterId", reason: "Give either clusterId or resourceGroupName with clusterName, not both." });
        } else if (clusterId === UNKNOWN) {
          resourceGroupName = UNKNOWN;
          clusterName = UNKNOWN;
          if (subscriptionId === undefined) subscriptionId = UNKNOWN;
        } else {
          try {
            const parsed = sdk.parseClusterId(String(clusterId));
            resourceGroupName = parsed.resourceGroup;
            clusterName = parsed.name;
            if (subscriptionId === undefined || subscriptionId === "") subscriptionId = parsed.subscriptionId;
            else if (subscriptionId !== UNKNOWN && String(subscriptionId).toLowerCase() !== parsed.subscriptionId.toLowerCase()) {
              failures.push({
                property: "subscriptionId",
                reason: `subscriptionId "${String(subscriptionId)}" differs from the subscription in clusterId ("${parsed.subscriptionId}"); omit subscriptionId or make them agree.`,
              });
            }
          } catch (error) {
            fail("clusterId", error);
          }
        }
      } else {
        if (optionalString(resourceGroupName) === undefined) failures.push({ property: "resourceGroupName", reason: "Give resourceGroupName and clusterName, or clusterId." });
        if (optionalString(clusterName) === undefined) failures.push({ property: "clusterName", reason: "Give resourceGroupName and clusterName, or clusterId." });
      }
      if (optionalString(subscriptionId) === undefined) {
        failures.push({
          property: "subscriptionId",
          reason: "No subscription: set the component's subscriptionId, or azure-native:subscriptionId (pulumi config set azure-native:subscriptionId <id>), or pass clusterId.",
        });
      }

      const settingsFile = optionalString(n["settingsFile"]);
      const rawSettings = n["settings"];
      let settings: unknown = rawSettings;
      if (settingsFile !== undefined && rawSettings !== undefined && rawSettings !== null) {
        failures.push({ property: "settings", reason: "Give either settings or settingsFile, not both." });
      } else if (settingsFile === UNKNOWN || containsUnknown(rawSettings)) {
        settings = settingsFile === UNKNOWN ? UNKNOWN : rawSettings;
      } else if (settingsFile !== undefined) {
        try {
          settings = (await sdk.readKubeProxySettingsFile(settingsFile)).settings;
        } catch (error) {
          fail("settingsFile", error);
        }
      } else if (rawSettings === undefined || rawSettings === null) {
        failures.push({ property: "settings", reason: "Give the kube-proxy settings (settings) or the path of a settings file (settingsFile)." });
      } else {
        try {
          settings = sdk.parseKubeProxySettings(rawSettings, { source: "settings" }).settings;
        } catch (error) {
          fail("settings", error);
        }
      }

      const apiVersion = optionalString(n["apiVersion"]) ?? sdk.DEFAULT_API_VERSION;
      if (apiVersion !== UNKNOWN) {
        try {
          sdk.assertSupportedApiVersion(apiVersion);
        } catch (error) {
          fail("apiVersion", error);
        }
      }

      const inputs: Record<string, unknown> = {
        subscriptionId,
        resourceGroupName,
        clusterName,
        settings: settings !== UNKNOWN && typeof settings === "object" && settings !== null ? sdk.canonicalKubeProxySettings(settings as KubeProxyConfig) : settings,
        apiVersion,
        restoreOnDelete: n["restoreOnDelete"] === UNKNOWN ? UNKNOWN : booleanOr(n["restoreOnDelete"], true),
        allowDisable: n["allowDisable"] === UNKNOWN ? UNKNOWN : booleanOr(n["allowDisable"], false),
        verifyDataPlane: n["verifyDataPlane"] === UNKNOWN ? UNKNOWN : booleanOr(n["verifyDataPlane"], false),
      };
      if (settingsFile !== undefined) inputs["settingsFile"] = settingsFile;
      if (failures.length === 0) failures.push(...(await clusterBlockers(inputs)));
      // The pulumi-nodejs host sends the inputs as a protobuf Struct, which cannot carry `undefined` ("Unexpected
      // struct type"): leave out what is not known (e.g. the settings of a file that failed to parse).
      for (const [key, value] of Object.entries(inputs)) if (value === undefined) Reflect.deleteProperty(inputs, key);
      return { inputs: inputs as ClusterSettingsRawInputs, failures };
    },

    async diff(_id, olds, news) {
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
    },

    async create(rawInputs) {
      const inputs = asInputs(rawInputs);
      return applyDesired(inputs, "read");
    },

    async update(id, olds, news) {
      const inputs = asInputs(news);
      const previous = (olds as Partial<ClusterSettingsOutputs>).previousSettings ?? null;
      const { outs } = await applyDesired(inputs, previous, id);
      return { outs };
    },

    async read(id, props) {
      const sdk = loadSdk();
      const known = props !== undefined && typeof props.clusterName === "string" && props.clusterName !== "";
      let inputs: ClusterSettingsInputs;
      if (known) {
        inputs = asInputs(props);
      } else {
        const parsed = sdk.parseClusterId(id);
        inputs = {
          subscriptionId: parsed.subscriptionId,
          resourceGroupName: parsed.resourceGroup,
          clusterName: parsed.name,
          settings: {},
          apiVersion: sdk.DEFAULT_API_VERSION,
          restoreOnDelete: true,
          allowDisable: false,
          verifyDataPlane: false,
        };
      }
      const client = await clientFor(runtime, inputs.subscriptionId, inputs.apiVersion);
      let cluster: ClusterState;
      try {
        cluster = await client.getCluster(refOf(inputs));
      } catch (error) {
        if ((error as { code?: unknown }).code === "ClusterNotFound") return {};
        throw explainError(runtime, inputs.subscriptionId, error);
      }
      if (!known) {
        // Import: adopt what the cluster has now; delete would then put exactly this back.
        const current = cluster.kubeProxyConfig ?? {};
        const adopted = { ...inputs, settings: sdk.canonicalKubeProxySettings(current) };
        const outs = outputsFrom(adopted, cluster, { previousSettings: cluster.kubeProxyConfig ?? null, drift: [], warnings: [] });
        return { id: cluster.id, props: outs, inputs: outs };
      }
      const plan = sdk.planKubeProxyChange({ cluster, desired: inputs.settings, apiVersion: inputs.apiVersion, allowDisable: inputs.allowDisable });
      const drift = plan.changes.map((c) => c.path);
      if (plan.convergence.kind === "needs-reconcile" || plan.convergence.kind === "in-flight") drift.push("provisioningState");
      // Show drift field by field: the desired settings with each drifted field set to what the cluster has.
      let observed: KubeProxyConfig = inputs.settings;
      if (drift.length > 0) {
        const copy = JSON.parse(JSON.stringify(inputs.settings)) as Record<string, unknown>;
        for (const change of plan.changes) {
          const path = change.path.split(".");
          let target: Record<string, unknown> = copy;
          for (const part of path.slice(0, -1)) {
            const next = target[part];
            if (typeof next !== "object" || next === null) target[part] = {};
            target = target[part] as Record<string, unknown>;
          }
          const leaf = path[path.length - 1] as string;
          if (change.before === undefined) Reflect.deleteProperty(target, leaf);
          else target[leaf] = change.before;
        }
        // An ipvsConfig left empty reads as absent (the SDK compares them equal): drop it rather than show `{}`.
        for (const [key, value] of Object.entries(copy)) {
          if (typeof value === "object" && value !== null && Object.keys(value).length === 0) Reflect.deleteProperty(copy, key);
        }
        observed = sdk.canonicalKubeProxySettings(copy as KubeProxyConfig);
      }
      const previousSettings = (props as Partial<ClusterSettingsOutputs>).previousSettings ?? null;
      const warnings = (props as Partial<ClusterSettingsOutputs>).warnings ?? [];
      let dataPlane: DataPlaneOutput | null = null;
      if (inputs.verifyDataPlane) {
        // Drift found on the nodes: each mismatch as `dataPlane.<node>.<field>` (e.g. a node still on iptables).
        if (!client.verifyDataPlane) throw new Error("verifyDataPlane: this client cannot read the data plane.");
        const result = await client.verifyDataPlane(refOf(inputs), inputs.settings);
        dataPlane = dataPlaneOutputOf(result);
        for (const m of result.mismatches) drift.push(`dataPlane.${m.node ?? "daemonSet"}.${m.field}`);
        if (result.verdict === "unreachable") drift.push("dataPlane.unreachable");
      }
      const outs = outputsFrom(inputs, cluster, { previousSettings, drift, warnings, settings: observed, dataPlane });
      const newInputs: Record<string, unknown> = { ...inputs, settings: observed };
      return { id: cluster.id || id, props: outs, inputs: newInputs as unknown as ClusterSettingsOutputs };
    },

    async delete(_id, props) {
      const inputs = asInputs(props);
      if (!inputs.restoreOnDelete) return;
      const previous = (props as Partial<ClusterSettingsOutputs>).previousSettings ?? null;
      const target = loadSdk().restoreTargetOf(previous);
      const client = await clientFor(runtime, inputs.subscriptionId, inputs.apiVersion);
      try {
        await client.apply(refOf(inputs), target.settings, { allowDisable: target.allowDisable });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === "ClusterNotFound") return;
        // A Cilium dataplane cluster whose kubeProxyConfig was never set ran no kube-proxy, as it does now: nothing to put back.
        const findings = (error as { findings?: readonly { id: string }[] }).findings ?? [];
        const neverSet = previous === null || Object.keys(previous).length === 0;
        if (code === "PlanBlocked" && neverSet && findings.length > 0 && findings.every((f) => f.id === "cilium-dataplane-requires-kube-proxy-disabled")) return;
        const explained = explainError(runtime, inputs.subscriptionId, error);
        explained.message = `Restoring the kube-proxy settings the cluster had before (${JSON.stringify(previous)}) failed: ${explained.message}\nTo leave the cluster as it is, set restoreOnDelete: false, run pulumi up, then destroy again.`;
        throw explained;
      }
    },
  };
  return provider;
}
