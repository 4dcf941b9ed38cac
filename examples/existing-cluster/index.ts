/**
 * Configure kube-proxy on an AKS cluster that already exists (created by hand, by az, or by another stack).
 *
 *   pulumi config set resourceGroupName my-rg
 *   pulumi config set clusterName my-aks
 *   pulumi config set aks-kube-proxy:subscriptionId 00000000-0000-0000-0000-000000000000   # or ARM_SUBSCRIPTION_ID
 *   # credentials of the aks-kube-proxy provider plugin (or the ARM_* / AZURE_* variables):
 *   pulumi config set aks-kube-proxy:tenantId …; pulumi config set aks-kube-proxy:clientId …
 *   pulumi config set --secret aks-kube-proxy:clientSecret …
 *   pulumi preview    # shows which kube-proxy settings change
 *   pulumi up         # enables the preview in the subscription (once), then applies kube-proxy.json
 *   pulumi destroy    # puts back the settings the cluster had before
 *
 * The settings come from kube-proxy.json, in the format `az aks update --kube-proxy-config` takes (the AKS docs'
 * own example, with its `TCPTimeoutSeconds` spelling). Set `clusterId` instead of the two names if you prefer. The
 * engine must find the provider plugin `pulumi-resource-aks-kube-proxy` (packages/pulumi/README.md, "Install").
 */
import * as pulumi from "@pulumi/pulumi";
import { KubeProxyConfig } from "@aks-kube-proxy/pulumi";

const config = new pulumi.Config();
const clusterId = config.get("clusterId");

const kubeProxy = new KubeProxyConfig("kube-proxy", {
  ...(clusterId !== undefined
    ? { clusterId }
    : { resourceGroupName: config.require("resourceGroupName"), clusterName: config.require("clusterName") }),
  settingsFile: config.get("settingsFile") ?? "kube-proxy.json",
  restoreOnDelete: config.getBoolean("restoreOnDelete") ?? true,
});

/** kubeProxyConfig as the cluster reports it after `pulumi up`. */
export const appliedSettings = kubeProxy.appliedSettings;
/** What the cluster had before; `pulumi destroy` puts it back. */
export const previousSettings = kubeProxy.previousSettings;
/** The preview api-version used. */
export const apiVersion = kubeProxy.apiVersion;
/** The cluster's provisioningState after the change. */
export const provisioningState = kubeProxy.provisioningState;
/** Settings that differed at the last `pulumi refresh`. */
export const drift = kubeProxy.drift;
