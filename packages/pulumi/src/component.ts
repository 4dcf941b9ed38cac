/**
 * `KubeProxyConfig`: the component a Pulumi program uses to say "this cluster's kube-proxy runs like this".
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import type { KubeProxyConfig as KubeProxySettings } from "@aks-kube-proxy/sdk";
import { sharedPerRun, sharedPreviewEnablement } from "./previewRegistry";
import type { DataPlaneOutput } from "./provider/clusterSettingsProvider";
import { ClusterKubeProxySettings } from "./resources/clusterKubeProxySettings";
import { PreviewEnablement } from "./resources/previewEnablement";
import { warnAboutSettings } from "./settingsWarnings";

/** The component's Pulumi type token. */
export const KUBE_PROXY_CONFIG_TYPE = "aks-kube-proxy:index:KubeProxyConfig";

/**
 * Arguments of {@link KubeProxyConfig}. Name the cluster with `resourceGroupName` and `clusterName`, or with
 * `clusterId`; give the settings with `settings`, or with `settingsFile`. (Separate arguments rather than union types,
 * so the component can later be offered to every Pulumi language.)
 */
export interface KubeProxyConfigArgs {
  /**
   * Resource group of the cluster; give it with {@link KubeProxyConfigArgs.clusterName}. An azure-native
   * `ResourceGroup`'s `name` output works.
   * @default none: give this and clusterName, or clusterId
   */
  readonly resourceGroupName?: pulumi.Input<string>;
  /**
   * Name of the cluster; give it with {@link KubeProxyConfigArgs.resourceGroupName}. An azure-native
   * `ManagedCluster`'s `name` output works (and makes the component wait for the cluster).
   * @default none: give this and resourceGroupName, or clusterId
   */
  readonly clusterName?: pulumi.Input<string>;
  /**
   * Resource id of the cluster (`/subscriptions/.../managedClusters/NAME`), instead of resource group and name. An
   * azure-native `ManagedCluster`'s `id` output works. Its subscription is used when `subscriptionId` is not given.
   * @default none
   */
  readonly clusterId?: pulumi.Input<string>;
  /**
   * The kube-proxy settings, in the shape of the Azure SDK's `ContainerServiceNetworkProfileKubeProxyConfig`
   * (`{ enabled, mode, ipvsConfig: { scheduler, …timeouts } }`; every field is in the SDK's `KUBE_PROXY_FIELDS`).
   * Validated exactly like the CLI validates them; errors show in `pulumi preview`.
   * @default none: give this or settingsFile
   */
  readonly settings?: pulumi.Input<KubeProxySettings>;
  /**
   * Path of a settings file in the format `az aks update --kube-proxy-config` takes (keys in any case, e.g. the
   * docs' `TCPTimeoutSeconds`), relative to the program's directory. Read at every preview, so editing the file shows
   * as a change.
   * @default none: give this or settings
   */
  readonly settingsFile?: pulumi.Input<string>;
  /**
   * Subscription of the cluster.
   * @default the subscription in clusterId; else `aks-kube-proxy:subscriptionId` config; else `ARM_SUBSCRIPTION_ID`,
   * `AZURE_SUBSCRIPTION_ID`; else `azure-native:subscriptionId` config; else, only when the program has
   * `@pulumi/azure-native` installed, azure-native's client configuration (Azure CLI login)
   */
  readonly subscriptionId?: pulumi.Input<string>;
  /**
   * The preview api-version used to read and write the cluster (2022-08-02-preview or newer; NFTABLES needs
   * 2025-09-02-preview or newer).
   * @default "2026-08-02-preview" (the SDK's DEFAULT_API_VERSION)
   */
  readonly apiVersion?: pulumi.Input<string>;
  /**
   * Enable the preview in the subscription first (register `KubeProxyConfigurationPreview`, wait for Registered,
   * refresh `Microsoft.ContainerService`). One enablement is shared by every component of the same subscription.
   * A plain boolean, not an Input: it decides which resources exist.
   * @default true
   */
  readonly enablePreview?: boolean;
  /**
   * An enablement to depend on instead of the shared one, e.g. when `subscriptionId` is an `Output` and several
   * components should still share one.
   * @default the shared enablement of the subscription
   */
  readonly previewEnablement?: PreviewEnablement;
  /**
   * What `pulumi destroy` (or removing the component) does: true puts back the settings the cluster had before this
   * component first changed them (recorded in the state); false leaves the cluster as it is.
   * @default true
   */
  readonly restoreOnDelete?: pulumi.Input<boolean>;
  /**
   * Allow `enabled: false`, which removes the managed kube-proxy: only safe with a bring-your-own CNI.
   * @default false
   */
  readonly allowDisable?: pulumi.Input<boolean>;
  /**
   * After Azure's Succeeded, wait until kube-proxy on the cluster's nodes runs the settings (DaemonSet rollout and
   * each checked node's `/proxyMode`, through the cluster's credentials from ARM); `pulumi refresh` then reports drift
   * found on the nodes (`dataPlane.<node>.<field>`). Needs network access to the API server.
   * @default false
   */
  readonly verifyDataPlane?: pulumi.Input<boolean>;
}

const CLUSTER_ID_SUBSCRIPTION = /^\/subscriptions\/([^/]+)\/resourcegroups\/[^/]+\/providers\/microsoft\.containerservice\/managedclusters\/[^/]+\/?$/i;

/**
 * Declarative kube-proxy configuration of one AKS cluster.
 *
 * Creates (under the stack) the subscription's shared `PreviewEnablement` unless `enablePreview` is false, and
 * (under itself) a `ClusterKubeProxySettings` that applies the settings after the enablement. `pulumi preview` shows
 * the settings that change, `pulumi up` applies them, `pulumi refresh` records drift, `pulumi destroy` restores
 * the previous settings (or leaves them, with `restoreOnDelete: false`).
 *
 * @example
 * ```ts
 * new KubeProxyConfig("ipvs", {
 *   resourceGroupName: "rg", clusterName: "aks1",
 *   settings: { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } },
 * });
 * ```
 */
export class KubeProxyConfig extends pulumi.ComponentResource {
  /** kubeProxyConfig as the cluster returned it after the last apply (or refresh). */
  readonly appliedSettings: pulumi.Output<KubeProxySettings | undefined>;
  /** kubeProxyConfig before this component first changed it (undefined when the cluster had none). */
  readonly previousSettings: pulumi.Output<KubeProxySettings | undefined>;
  /** The preview api-version used. */
  readonly apiVersion: pulumi.Output<string>;
  /** The cluster's provisioningState after the last apply (or refresh). */
  readonly provisioningState: pulumi.Output<string | undefined>;
  /** The cluster's resource id. */
  readonly clusterId: pulumi.Output<string>;
  /** The subscription the cluster is in. */
  readonly subscriptionId: pulumi.Output<string>;
  /** Settings paths that differed from the desired ones at the last refresh (empty after up). */
  readonly drift: pulumi.Output<string[]>;
  /** Warnings and notes from validation and planning (`[id] message`). */
  readonly warnings: pulumi.Output<string[]>;
  /** The data plane at the last apply or refresh; undefined unless `verifyDataPlane`. */
  readonly dataPlane: pulumi.Output<DataPlaneOutput | undefined>;
  /** The enablement this component waits for (shared per subscription), or undefined with `enablePreview: false`. */
  readonly previewEnablement: PreviewEnablement | undefined;
  /** The resource that holds the settings. */
  readonly settingsResource: ClusterKubeProxySettings;

  /**
   * @param name - unique name of the component
   * @param args - cluster, settings and behaviour
   * @param opts - component options; its `dependsOn` is passed to the settings resource
   */
  constructor(name: string, args: KubeProxyConfigArgs, opts?: pulumi.ComponentResourceOptions) {
    super(KUBE_PROXY_CONFIG_TYPE, name, {}, opts);

    const byName = args.resourceGroupName !== undefined || args.clusterName !== undefined;
    if (args.clusterId !== undefined && byName) {
      throw new pulumi.ResourceError("Give either clusterId, or resourceGroupName with clusterName, not both.", this);
    }
    if (args.clusterId === undefined && (args.resourceGroupName === undefined || args.clusterName === undefined)) {
      throw new pulumi.ResourceError("Name the cluster: give resourceGroupName and clusterName, or clusterId.", this);
    }
    if ((args.settings === undefined) === (args.settingsFile === undefined)) {
      throw new pulumi.ResourceError(
        "Give the kube-proxy settings either inline (settings) or as the path of a settings file in the az format (settingsFile), exactly one of them.",
        this,
      );
    }
    let knownClusterSubscription: string | undefined;
    if (typeof args.clusterId === "string") {
      knownClusterSubscription = CLUSTER_ID_SUBSCRIPTION.exec(args.clusterId.trim())?.[1];
      if (knownClusterSubscription === undefined) {
        throw new pulumi.ResourceError(
          `clusterId "${args.clusterId}" is not a managed cluster resource id (/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}).`,
          this,
        );
      }
    }

    // The subscription, and a key to share the enablement by when the subscription is known now.
    let subscriptionId: pulumi.Input<string>;
    let sharingKey: string | undefined;
    if (args.subscriptionId !== undefined) {
      subscriptionId = args.subscriptionId;
      sharingKey = typeof args.subscriptionId === "string" ? args.subscriptionId.toLowerCase() : undefined;
    } else if (knownClusterSubscription !== undefined) {
      subscriptionId = knownClusterSubscription;
      sharingKey = knownClusterSubscription.toLowerCase();
    } else if (args.clusterId !== undefined) {
      subscriptionId = pulumi.output(args.clusterId).apply((id) => CLUSTER_ID_SUBSCRIPTION.exec(id.trim())?.[1] ?? "");
      sharingKey = undefined;
    } else {
      const configured = configuredSubscription();
      if (configured !== undefined) {
        subscriptionId = configured;
        sharingKey = configured.toLowerCase();
      } else {
        const getClientConfigOutput = azureNativeClientConfig();
        if (getClientConfigOutput === undefined) {
          throw new pulumi.ResourceError(
            "No subscription for the cluster: set `pulumi config set aks-kube-proxy:subscriptionId <id>` (or ARM_SUBSCRIPTION_ID), pass subscriptionId, or give clusterId. " +
              "(azure-native's client configuration is asked only when the program has @pulumi/azure-native installed.)",
            this,
          );
        }
        subscriptionId = sharedPerRun("client-config-subscription", () => getClientConfigOutput().subscriptionId);
        sharingKey = "client-config";
      }
    }

    let previewEnablement: PreviewEnablement | undefined;
    if (args.enablePreview !== false) {
      if (args.previewEnablement !== undefined) {
        previewEnablement = args.previewEnablement;
      } else if (sharingKey !== undefined) {
        const resourceName = sharingKey === "client-config" ? "kube-proxy-preview" : `kube-proxy-preview-${sharingKey}`;
        const sub = subscriptionId;
        previewEnablement = sharedPreviewEnablement(sharingKey, () => new PreviewEnablement(resourceName, { subscriptionId: sub }));
      } else {
        previewEnablement = new PreviewEnablement(`${name}-preview`, { subscriptionId }, { parent: this });
      }
    }

    const dependsOn: pulumi.Input<pulumi.Resource>[] = [];
    if (previewEnablement) dependsOn.push(previewEnablement);
    const userDependsOn = opts?.dependsOn;
    if (Array.isArray(userDependsOn)) dependsOn.push(...(userDependsOn as pulumi.Input<pulumi.Resource>[]));
    else if (userDependsOn !== undefined) dependsOn.push(userDependsOn as pulumi.Input<pulumi.Resource>);

    this.settingsResource = new ClusterKubeProxySettings(
      name,
      {
        subscriptionId,
        ...(args.clusterId !== undefined ? { clusterId: args.clusterId } : { resourceGroupName: args.resourceGroupName, clusterName: args.clusterName }),
        ...(args.settings !== undefined ? { settings: args.settings } : { settingsFile: args.settingsFile }),
        ...(args.apiVersion !== undefined ? { apiVersion: args.apiVersion } : {}),
        restoreOnDelete: args.restoreOnDelete ?? true,
        allowDisable: args.allowDisable ?? false,
        verifyDataPlane: args.verifyDataPlane ?? false,
      },
      { parent: this, dependsOn },
    );
    this.previewEnablement = previewEnablement;
    warnAboutSettings(this, { settings: args.settings, settingsFile: args.settingsFile });

    const s = this.settingsResource;
    this.appliedSettings = s.appliedSettings;
    this.previousSettings = s.previousSettings;
    this.apiVersion = s.apiVersion;
    this.provisioningState = s.provisioningState;
    this.clusterId = s.clusterId;
    this.subscriptionId = s.subscriptionId;
    this.drift = s.drift;
    this.warnings = s.warnings;
    this.dataPlane = s.dataPlane;
    this.registerOutputs({
      appliedSettings: this.appliedSettings,
      previousSettings: this.previousSettings,
      apiVersion: this.apiVersion,
      provisioningState: this.provisioningState,
      clusterId: this.clusterId,
      subscriptionId: this.subscriptionId,
      drift: this.drift,
      warnings: this.warnings,
      dataPlane: this.dataPlane,
    });
  }
}

/**
 * The subscription from configuration, in the one order the component and the plugin use: `aks-kube-proxy:subscriptionId`,
 * `ARM_SUBSCRIPTION_ID`, `AZURE_SUBSCRIPTION_ID`, then `azure-native:subscriptionId` (a program that uses azure-native).
 * @returns the subscription, or undefined when none is set
 */
export function configuredSubscription(): string | undefined {
  const candidates = [
    new pulumi.Config("aks-kube-proxy").get("subscriptionId"),
    process.env["ARM_SUBSCRIPTION_ID"],
    process.env["AZURE_SUBSCRIPTION_ID"],
    new pulumi.Config("azure-native").get("subscriptionId"),
  ];
  return candidates.find((v): v is string => v !== undefined && v.trim() !== "");
}

/**
 * azure-native's `getClientConfigOutput`, when the program has `@pulumi/azure-native` installed (an optional peer:
 * calling it needs the azure-native plugin); undefined otherwise, so no program needs that plugin unless it uses it.
 */
function azureNativeClientConfig(): (() => { subscriptionId: pulumi.Output<string> }) | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer, loaded only when installed
    const authorization = require("@pulumi/azure-native/authorization") as { getClientConfigOutput: () => { subscriptionId: pulumi.Output<string> } };
    return () => authorization.getClientConfigOutput();
  } catch {
    return undefined;
  }
}
