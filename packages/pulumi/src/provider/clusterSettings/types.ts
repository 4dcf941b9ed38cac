/**
 * The shapes of the cluster settings resource: its inputs before and after `check`, its outputs (the state), the
 * provider's methods and the error of a partial create or update. Types only.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import type { KubeProxyConfig } from "@aks-kube-proxy/sdk";
import type { PropertyChange } from "../values";

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
