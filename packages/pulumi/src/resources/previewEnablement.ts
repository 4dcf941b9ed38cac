/**
 * `PreviewEnablement`: the custom resource (served by the `aks-kube-proxy` provider plugin) that enables the
 * kube-proxy configuration preview in one subscription.
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { PREVIEW_ENABLEMENT_TOKEN } from "../provider/schema";

/** The Pulumi type of {@link PreviewEnablement}: `aks-kube-proxy:index:PreviewEnablement`. */
export const PREVIEW_ENABLEMENT_TYPE = PREVIEW_ENABLEMENT_TOKEN;

/** The type this resource had as a dynamic resource; given as an alias (see `LEGACY_CLUSTER_SETTINGS_TYPE`). */
export const LEGACY_PREVIEW_ENABLEMENT_TYPE = "pulumi-nodejs:dynamic/aks-kube-proxy:PreviewEnablement";

/** Arguments of {@link PreviewEnablement}. */
export interface PreviewEnablementArgs {
  /** Subscription to enable the preview in. */
  readonly subscriptionId: pulumi.Input<string>;
  /**
   * Overall time to wait for the feature to read Registered and the provider to be refreshed.
   * @default the SDK's default (30 minutes); real Azure often takes 10-20 minutes for the feature
   */
  readonly timeoutInMs?: pulumi.Input<number>;
}

/**
 * Registers `Microsoft.ContainerService/KubeProxyConfigurationPreview` in a subscription, waits until it is
 * Registered, and refreshes the `Microsoft.ContainerService` provider registration. Steps already done are skipped.
 * Destroying it leaves the feature registered. {@link KubeProxyConfig} creates one per subscription and shares it;
 * create one yourself only to share it explicitly (`previewEnablement` arg).
 */
export class PreviewEnablement extends pulumi.CustomResource {
  /** Subscription id. */
  declare readonly subscriptionId: pulumi.Output<string>;
  /** `Microsoft.ContainerService/KubeProxyConfigurationPreview`. */
  declare readonly featureName: pulumi.Output<string>;
  /** The feature's registration state (Registered after create). */
  declare readonly featureState: pulumi.Output<string>;
  /** `Microsoft.ContainerService` registration state (Registered after create). */
  declare readonly providerState: pulumi.Output<string>;
  /** Whether the last create or update sent the feature registration. */
  declare readonly featureRegistered: pulumi.Output<boolean>;
  /** Whether the last create or update refreshed the provider registration. */
  declare readonly providerRefreshed: pulumi.Output<boolean>;

  /**
   * @param name - resource name
   * @param args - subscription and timeout
   * @param opts - resource options
   */
  constructor(name: string, args: PreviewEnablementArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PREVIEW_ENABLEMENT_TYPE,
      name,
      {
        subscriptionId: args.subscriptionId,
        timeoutInMs: args.timeoutInMs,
        featureName: undefined,
        featureState: undefined,
        providerState: undefined,
        featureRegistered: undefined,
        providerRefreshed: undefined,
      },
      { ...opts, aliases: [...(opts?.aliases ?? []), { type: LEGACY_PREVIEW_ENABLEMENT_TYPE }] },
    );
  }
}
