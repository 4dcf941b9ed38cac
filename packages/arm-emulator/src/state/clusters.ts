/**
 * The stored ARM JSON of managed clusters: building it from a seed or a PUT body, the
 * properties AKS fills in itself (as the recordings show them), and the view each
 * api-version gets.
 */
import { createHash } from "node:crypto";
import { clone, isObject } from "../http";
import { supportsEtag, supportsKubeProxyConfig, type ApiVersion } from "../apiVersions";
import type { ClusterSeed } from "../types";
import type { AgentPoolSeed } from "../kube/types";

/** Kubernetes version a cluster created without one gets. */
export const DEFAULT_KUBERNETES_VERSION = "1.33.2";
/** Region used when a seed gives none. */
export const DEFAULT_LOCATION = "westus2";
/** The resource type as AKS writes it in responses. */
export const MANAGED_CLUSTER_TYPE = "Microsoft.ContainerService/ManagedClusters";

/** A stored cluster. `raw` is the full ARM JSON as the newest preview api-version returns it. */
export interface ClusterRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  raw: Record<string, unknown>;
  /** Operation currently running on the cluster, if any. */
  operationId?: string;
}

/** Key of a cluster in a subscription (resource names are case-insensitive). */
export function clusterKey(resourceGroup: string, name: string): string {
  return `${resourceGroup}/${name}`.toLowerCase();
}

/** The ARM id AKS returns (note the lower-case "resourcegroups", as in every recording). */
export function clusterId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

function stableHex(input: string, length: number): string {
  return createHash("sha256").update(input).digest("hex").slice(0, length);
}

function stableGuid(input: string): string {
  const h = stableHex(input, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function obj(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

function setDefault(target: Record<string, unknown>, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null || target[key] === "") target[key] = value;
}

/** The PUT-like body a seed stands for. */
export function seedToBody(seed: ClusterSeed): Record<string, unknown> {
  const location = seed.location ?? DEFAULT_LOCATION;
  const networkPlugin = seed.networkPlugin ?? "azure";
  const networkProfile: Record<string, unknown> = { networkPlugin };
  if (seed.networkPolicy !== undefined) networkProfile.networkPolicy = seed.networkPolicy;
  if (seed.networkDataplane !== undefined) networkProfile.networkDataplane = seed.networkDataplane;
  if (seed.kubeProxyConfig !== undefined) networkProfile.kubeProxyConfig = clone(seed.kubeProxyConfig);
  const pools = Math.max(1, seed.agentPoolCount ?? 1);
  const poolSeeds: AgentPoolSeed[] = seed.agentPools ?? Array.from({ length: pools }, (_, i) => ({ name: i === 0 ? "nodepool1" : `nodepool${i + 1}` }));
  const properties: Record<string, unknown> = {
    kubernetesVersion: seed.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
    dnsPrefix: `${seed.name}-dns`,
    agentPoolProfiles: poolSeeds.map((p, i) => ({
      name: p.name,
      count: p.count ?? 3,
      vmSize: p.vmSize ?? "Standard_DS2_v2",
      osType: p.osType ?? "Linux",
      type: "VirtualMachineScaleSets",
      mode: p.mode ?? (i === 0 ? "System" : "User"),
    })),
    networkProfile,
    ...(seed.extraProperties ? clone(seed.extraProperties) : {}),
  };
  return { location, tags: seed.tags ?? undefined, identity: { type: "SystemAssigned" }, properties };
}

/**
 * Fills what AKS fills on create/update (values as in the recordings), keeping everything the
 * client sent. `provisioningState` is set by the caller.
 */
export function fillServerProperties(args: {
  raw: Record<string, unknown>;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  tenantId: string;
}): void {
  const { raw, subscriptionId, resourceGroup, name } = args;
  const location = String(raw.location ?? DEFAULT_LOCATION);
  raw.id = clusterId(subscriptionId, resourceGroup, name);
  raw.name = name;
  raw.type = MANAGED_CLUSTER_TYPE;
  raw.location = location;
  const props = obj(raw, "properties");
  setDefault(props, "kubernetesVersion", DEFAULT_KUBERNETES_VERSION);
  const version = String(props.kubernetesVersion);
  props.currentKubernetesVersion = version;
  props.powerState = { code: "Running" };
  setDefault(props, "dnsPrefix", `${name}-${resourceGroup}-${stableHex(subscriptionId, 6)}`.slice(0, 54));
  const fqdnSuffix = stableHex(`${subscriptionId}/${resourceGroup}/${name}`, 8);
  setDefault(props, "fqdn", `${String(props.dnsPrefix)}-${fqdnSuffix}.hcp.${location}.azmk8s.io`);
  setDefault(props, "azurePortalFQDN", `${String(props.dnsPrefix)}-${fqdnSuffix}.portal.hcp.${location}.azmk8s.io`);
  const pools = Array.isArray(props.agentPoolProfiles) ? (props.agentPoolProfiles as unknown[]) : [];
  if (pools.length === 0) pools.push({ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" });
  props.agentPoolProfiles = pools.map((p) => {
    const pool: Record<string, unknown> = isObject(p) ? p : {};
    setDefault(pool, "count", 3);
    setDefault(pool, "vmSize", "Standard_DS2_v2");
    if (!pool.osDiskSizeGB) pool.osDiskSizeGB = 128;
    setDefault(pool, "osDiskType", "Managed");
    setDefault(pool, "kubeletDiskType", "OS");
    setDefault(pool, "workloadRuntime", "OCIContainer");
    setDefault(pool, "maxPods", 110);
    setDefault(pool, "type", "VirtualMachineScaleSets");
    setDefault(pool, "enableAutoScaling", false);
    pool.powerState = { code: "Running" };
    if (!pool.orchestratorVersion) pool.orchestratorVersion = version;
    pool.currentOrchestratorVersion = pool.orchestratorVersion;
    setDefault(pool, "enableNodePublicIP", false);
    setDefault(pool, "enableCustomCATrust", false);
    setDefault(pool, "mode", "System");
    setDefault(pool, "enableEncryptionAtHost", false);
    setDefault(pool, "enableUltraSSD", false);
    setDefault(pool, "osType", "Linux");
    setDefault(pool, "osSKU", "Ubuntu");
    setDefault(pool, "nodeImageVersion", "AKSUbuntu-2204gen2containerd-202506.01.0");
    setDefault(pool, "upgradeSettings", {});
    setDefault(pool, "enableFIPS", false);
    setDefault(pool, "networkProfile", {});
    return pool;
  });
  const principal = stableGuid(`principal/${raw.id as string}`);
  if (!props.servicePrincipalProfile) props.servicePrincipalProfile = { clientId: "msi" };
  setDefault(props, "nodeResourceGroup", `MC_${resourceGroup}_${name}_${location}`);
  setDefault(props, "enableRBAC", true);
  setDefault(props, "supportPlan", "KubernetesOfficial");
  const net = obj(props, "networkProfile");
  setDefault(net, "networkPlugin", "kubenet");
  setDefault(net, "loadBalancerSku", "Standard");
  const lb = obj(net, "loadBalancerProfile");
  setDefault(lb, "managedOutboundIPs", { count: 1 });
  setDefault(lb, "effectiveOutboundIPs", [
    {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${String(props.nodeResourceGroup)}/providers/Microsoft.Network/publicIPAddresses/${stableGuid(`ip/${raw.id as string}`)}`,
    },
  ]);
  setDefault(lb, "backendPoolType", "nodeIPConfiguration");
  if (String(net.networkPlugin).toLowerCase() === "kubenet") {
    setDefault(net, "podCidr", "10.244.0.0/16");
    setDefault(net, "podCidrs", [net.podCidr]);
  }
  setDefault(net, "serviceCidr", "10.0.0.0/16");
  setDefault(net, "dnsServiceIP", "10.0.0.10");
  setDefault(net, "outboundType", "loadBalancer");
  setDefault(net, "serviceCidrs", [net.serviceCidr]);
  setDefault(net, "ipFamilies", ["IPv4"]);
  setDefault(props, "maxAgentPools", 100);
  setDefault(props, "identityProfile", {
    kubeletidentity: {
      resourceId: `/subscriptions/${subscriptionId}/resourcegroups/${String(props.nodeResourceGroup)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-agentpool`,
      clientId: stableGuid(`kubelet-client/${raw.id as string}`),
      objectId: stableGuid(`kubelet-object/${raw.id as string}`),
    },
  });
  setDefault(props, "disableLocalAccounts", false);
  setDefault(props, "securityProfile", {});
  const storage = obj(props, "storageProfile");
  setDefault(storage, "diskCSIDriver", { enabled: true, version: "v1" });
  setDefault(storage, "fileCSIDriver", { enabled: true });
  setDefault(storage, "snapshotController", { enabled: true });
  setDefault(props, "oidcIssuerProfile", { enabled: false });
  setDefault(props, "workloadAutoScalerProfile", {});
  const identity = obj(raw, "identity");
  setDefault(identity, "type", "SystemAssigned");
  if (String(identity.type) === "SystemAssigned") {
    setDefault(identity, "principalId", principal);
    setDefault(identity, "tenantId", args.tenantId);
  }
  setDefault(raw, "sku", { name: "Base", tier: "Free" });
}

/** Sets provisioningState on the cluster and its agent pools. */
export function setProvisioningState(raw: Record<string, unknown>, state: string): void {
  const props = obj(raw, "properties");
  props.provisioningState = state;
  if (Array.isArray(props.agentPoolProfiles)) {
    for (const pool of props.agentPoolProfiles) if (isObject(pool)) pool.provisioningState = state;
  }
}

/** What AKS normalises once an operation finishes (loadBalancerSku "standard" -> "Standard", recordings). */
export function normaliseAfterOperation(raw: Record<string, unknown>): void {
  const net = isObject(raw.properties) && isObject(raw.properties.networkProfile) ? raw.properties.networkProfile : undefined;
  if (net && typeof net.loadBalancerSku === "string") {
    const sku = net.loadBalancerSku.toLowerCase();
    net.loadBalancerSku = sku === "standard" ? "Standard" : sku === "basic" ? "Basic" : net.loadBalancerSku;
  }
}

/** The stored kubeProxyConfig (undefined when the cluster never had one). */
export function storedKubeProxyConfig(raw: Record<string, unknown>): unknown {
  const props = raw.properties;
  if (!isObject(props) || !isObject(props.networkProfile)) return undefined;
  return props.networkProfile.kubeProxyConfig;
}

/**
 * The JSON a client gets through `apiVersion`: without kubeProxyConfig or eTag where that version has none; with
 * `disabledReadsAsEmpty`, a disabled kube-proxy reads as `{}` (azure-rest-api-specs #22208).
 */
export function viewCluster(raw: Record<string, unknown>, apiVersion: ApiVersion | undefined, options: { disabledReadsAsEmpty?: boolean } = {}): Record<string, unknown> {
  const view = clone(raw);
  const props = view.properties;
  const net = isObject(props) && isObject(props.networkProfile) ? props.networkProfile : undefined;
  if (net && apiVersion && !supportsKubeProxyConfig(apiVersion)) delete net.kubeProxyConfig;
  if (net && options.disabledReadsAsEmpty && isObject(net.kubeProxyConfig) && net.kubeProxyConfig.enabled === false) net.kubeProxyConfig = {};
  if (apiVersion && !supportsEtag(apiVersion)) delete view.eTag;
  return view;
}

/** Facts used by the rules. */
export function clusterFacts(raw: Record<string, unknown>): { kubernetesVersion: string; networkPlugin?: string; networkPolicy?: string; networkDataplane?: string } {
  const props = isObject(raw.properties) ? raw.properties : {};
  const net = isObject(props.networkProfile) ? props.networkProfile : {};
  return {
    kubernetesVersion: typeof props.kubernetesVersion === "string" && props.kubernetesVersion !== "" ? props.kubernetesVersion : DEFAULT_KUBERNETES_VERSION,
    networkPlugin: typeof net.networkPlugin === "string" ? net.networkPlugin : undefined,
    networkPolicy: typeof net.networkPolicy === "string" ? net.networkPolicy : undefined,
    networkDataplane: typeof net.networkDataplane === "string" ? net.networkDataplane : undefined,
  };
}
