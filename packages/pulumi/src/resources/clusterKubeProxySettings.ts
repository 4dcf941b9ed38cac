/**
 * `ClusterKubeProxySettings`: the custom resource (served by the `aks-kube-proxy` provider plugin) that holds one
 * cluster's kube-proxy settings.
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import type { DataPlaneOutput } from "../provider/clusterSettingsProvider";
import type { KubeProxyConfig as KubeProxySettings } from "@aks-kube-proxy/sdk";
import { CLUSTER_SETTINGS_TOKEN } from "../provider/schema";

/** The Pulumi type of {@link ClusterKubeProxySettings}: `aks-kube-proxy:index:ClusterKubeProxySettings`. */
export const CLUSTER_SETTINGS_TYPE = CLUSTER_SETTINGS_TOKEN;

/**
 * The type this resource had when it was a dynamic resource (package versions before the provider plugin). Given as
 * an alias, so a stack made then moves to the provider without a replacement and without a write.
 */
export const LEGACY_CLUSTER_SETTINGS_TYPE = "pulumi-nodejs:dynamic/aks-kube-proxy:ClusterKubeProxySettings";

/** Arguments of {@link ClusterKubeProxySettings}; see {@link KubeProxyConfigArgs} for their meaning. */
export interface ClusterKubeProxySettingsArgs {
  /** Subscription id. */
  readonly subscriptionId?: pulumi.Input<string>;
  /** Resource group of the cluster. */
  readonly resourceGroupName?: pulumi.Input<string>;
  /** Cluster name. */
  readonly clusterName?: pulumi.Input<string>;
  /** Cluster resource id. */
  readonly clusterId?: pulumi.Input<string>;
  /** Desired settings. */
  readonly settings?: pulumi.Input<KubeProxySettings>;
  /** Settings file in the az format. */
  readonly settingsFile?: pulumi.Input<string>;
  /** Preview api-version. */
  readonly apiVersion?: pulumi.Input<string>;
  /** Put the previous settings back on delete. */
  readonly restoreOnDelete?: pulumi.Input<boolean>;
  /** Allow `enabled: false`. */
  readonly allowDisable?: pulumi.Input<boolean>;
  /** After apply, wait until kube-proxy on the nodes runs the settings; refresh reads the nodes too. @default false */
  readonly verifyDataPlane?: pulumi.Input<boolean>;
}

/**
 * One cluster's kube-proxy settings, applied through the SDK by the `aks-kube-proxy` provider plugin. Usually created
 * by {@link KubeProxyConfig}.
 */
export class ClusterKubeProxySettings extends pulumi.CustomResource {
  /** Subscription id. */
  declare readonly subscriptionId: pulumi.Output<string>;
  /** Resource group. */
  declare readonly resourceGroupName: pulumi.Output<string>;
  /** Cluster name. */
  declare readonly clusterName: pulumi.Output<string>;
  /** Cluster resource id. */
  declare readonly clusterId: pulumi.Output<string>;
  /** Desired settings (after a refresh that found drift: the cluster's, field by field). */
  declare readonly settings: pulumi.Output<KubeProxySettings>;
  /** Preview api-version used. */
  declare readonly apiVersion: pulumi.Output<string>;
  /** Whether delete restores the previous settings. */
  declare readonly restoreOnDelete: pulumi.Output<boolean>;
  /** kubeProxyConfig as the cluster returned it after the last apply or read. */
  declare readonly appliedSettings: pulumi.Output<KubeProxySettings | undefined>;
  /** kubeProxyConfig before this resource first changed it. */
  declare readonly previousSettings: pulumi.Output<KubeProxySettings | undefined>;
  /** The cluster's provisioningState. */
  declare readonly provisioningState: pulumi.Output<string | undefined>;
  /** Settings paths that differed from the desired ones at the last refresh. */
  declare readonly drift: pulumi.Output<string[]>;
  /** Warnings and notes from validation and planning. */
  declare readonly warnings: pulumi.Output<string[]>;
  /** The data plane at the last apply or refresh (verdict, progress, mismatches); undefined unless `verifyDataPlane`. */
  declare readonly dataPlane: pulumi.Output<DataPlaneOutput | undefined>;

  /**
   * @param name - resource name
   * @param args - cluster, settings and behaviour
   * @param opts - resource options
   */
  constructor(name: string, args: ClusterKubeProxySettingsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      CLUSTER_SETTINGS_TYPE,
      name,
      {
        subscriptionId: args.subscriptionId,
        resourceGroupName: args.resourceGroupName,
        clusterName: args.clusterName,
        clusterId: args.clusterId,
        settings: args.settings,
        settingsFile: args.settingsFile,
        apiVersion: args.apiVersion,
        restoreOnDelete: args.restoreOnDelete,
        allowDisable: args.allowDisable,
        verifyDataPlane: args.verifyDataPlane,
        dataPlane: undefined,
        appliedSettings: undefined,
        previousSettings: undefined,
        provisioningState: undefined,
        kubernetesVersion: undefined,
        networkPlugin: undefined,
        networkPolicy: undefined,
        drift: undefined,
        warnings: undefined,
      },
      { ...opts, aliases: [...(opts?.aliases ?? []), { type: LEGACY_CLUSTER_SETTINGS_TYPE }] },
    );
  }
}
