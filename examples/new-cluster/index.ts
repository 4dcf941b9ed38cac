/**
 * An AKS cluster from azure-native, with its kube-proxy configured by the component.
 *
 * azure-native 3.x manages `ManagedCluster` through a GA api-version (2025-09-01 in 3.28) whose model has no
 * kubeProxyConfig, so the cluster is created first and the component configures it afterwards: it takes the
 * cluster's outputs (which makes it wait for the cluster) and `dependsOn` states the order explicitly.
 * A later `pulumi up` that updates the cluster through azure-native keeps the setting: a PUT through an api-version
 * that cannot express a property leaves that property as it is (ARM's versioning rules), and the component's next
 * refresh reports no drift.
 *
 *   pulumi config set azure-native:location westeurope
 *   pulumi config set azure-native:subscriptionId 00000000-0000-0000-0000-000000000000
 *   # the aks-kube-proxy provider plugin reads the ARM_* variables azure-native reads, or aks-kube-proxy:* config
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as resources from "@pulumi/azure-native/resources";
import { KubeProxyConfig } from "@aks-kube-proxy/pulumi";

const config = new pulumi.Config();
const kubernetesVersion = config.get("kubernetesVersion") ?? "1.33";

const resourceGroup = new resources.ResourceGroup("kube-proxy-demo");

const cluster = new containerservice.ManagedCluster("aks", {
  resourceGroupName: resourceGroup.name,
  dnsPrefix: "kube-proxy-demo",
  kubernetesVersion,
  identity: { type: containerservice.ResourceIdentityType.SystemAssigned },
  agentPoolProfiles: [
    {
      name: "system",
      mode: containerservice.AgentPoolMode.System,
      count: config.getNumber("nodeCount") ?? 2,
      vmSize: config.get("vmSize") ?? "Standard_D2s_v5",
      osType: containerservice.OSType.Linux,
    },
  ],
  networkProfile: {
    networkPlugin: containerservice.NetworkPlugin.Azure,
    networkPluginMode: containerservice.NetworkPluginMode.Overlay,
  },
});

// NFTABLES needs Kubernetes 1.33 or newer; the component refuses it on an older cluster instead of letting Azure
// silently keep iptables.
const kubeProxy = new KubeProxyConfig(
  "kube-proxy",
  {
    resourceGroupName: resourceGroup.name,
    clusterName: cluster.name,
    settings: { enabled: true, mode: "NFTABLES" },
  },
  { dependsOn: [cluster] },
);

/** The cluster's name. */
export const clusterName = cluster.name;
/** kubeProxyConfig as the cluster reports it after `pulumi up`. */
export const appliedSettings = kubeProxy.appliedSettings;
/** The cluster's provisioningState after the change. */
export const provisioningState = kubeProxy.provisioningState;
