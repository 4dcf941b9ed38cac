/**
 * The rules Azure enforces or documents for kubeProxyConfig, as a pure function from facts to coded findings,
 * checked before any write.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { compareApiVersions } from "./apiVersion";
import { MIN_API_VERSION, NFTABLES_MIN_API_VERSION } from "./constants";
import type { Finding } from "./findings";
import { effectiveKubeProxySettings, type EffectiveKubeProxySettings } from "./settings/effective";
import { isAtLeast, parseKubernetesVersion } from "./versions";

/** The facts about a cluster that decide what is allowed. */
export interface ClusterFacts {
  /** Kubernetes version the control plane runs (e.g. "1.33.2"). */
  readonly kubernetesVersion?: string;
  /** `networkProfile.networkPlugin`: azure, kubenet, none (bring your own CNI)... */
  readonly networkPlugin?: string;
  /** `networkProfile.networkPolicy`: azure, calico, cilium, or undefined. */
  readonly networkPolicy?: string;
  /**
   * `networkProfile.networkDataplane`: azure, cilium (Azure CNI Powered by Cilium, which replaces kube-proxy), or
   * undefined.
   */
  readonly networkDataplane?: string;
  /** `provisioningState`: Succeeded, Updating, Failed... */
  readonly provisioningState?: string;
}

/** Arguments of {@link checkKubeProxyRules}. */
export interface CheckKubeProxyRulesArgs {
  /** Facts about the cluster. */
  readonly facts: ClusterFacts;
  /** What the cluster effectively runs now. */
  readonly current: EffectiveKubeProxySettings;
  /** The settings to write. */
  readonly desired: KubeProxyConfig;
  /** The api-version the write would use. */
  readonly apiVersion: string;
  /** The caller means to disable kube-proxy (`enabled: false`). @default false */
  readonly allowDisable?: boolean;
}

const eq = (a: string | undefined, b: string): boolean => (a ?? "").toLowerCase() === b.toLowerCase();

/**
 * True for a cluster whose data plane is Cilium (`networkDataplane: cilium`, Azure CNI Powered by Cilium): Cilium
 * replaces kube-proxy, so none runs and Azure refuses a kubeProxyConfig that enables it
 * (`CiliumDataplaneRequiresKubeProxyConfigDisabled`).
 * @param facts - the cluster's facts
 */
export function isCiliumDataplane(facts: Pick<ClusterFacts, "networkDataplane">): boolean {
  return eq(facts.networkDataplane, "cilium");
}

/**
 * Checks desired settings against the rules, purely. Finding ids:
 * `api-version-too-old`, `ipvs-with-azure-network-policy`, `nftables-needs-api-version`, `nftables-needs-k8s-1.33`,
 * `ipvs-needs-k8s-1.22`, `kubernetes-version-unknown`, `ipvs-config-with-nftables`, `ipvs-config-requires-ipvs`,
 * `cilium-dataplane-requires-kube-proxy-disabled` (blocker: Azure refuses it),
 * `disable-kube-proxy` (blocker unless `allowDisable`), `disable-requires-byo-cni` (blocker: Azure refuses it), `mode-change-disrupts-traffic`,
 * `ipvs-deprecated`, `ipvs-least-connection`, `unknown-mode`.
 * @param args - facts, current and desired settings, api-version
 * @returns findings, blockers first
 */
export function checkKubeProxyRules(args: CheckKubeProxyRulesArgs): Finding[] {
  const { facts, current, desired, apiVersion } = args;
  const findings: Finding[] = [];
  const want = effectiveKubeProxySettings(desired);
  const k8s = parseKubernetesVersion(facts.kubernetesVersion);
  const versionText = facts.kubernetesVersion ?? "unknown";

  if (compareApiVersions(apiVersion, MIN_API_VERSION) < 0) {
    findings.push({ id: "api-version-too-old", severity: "blocker", message: `api-version ${apiVersion} does not know kubeProxyConfig; use ${MIN_API_VERSION} or newer.` });
  }

  if (!["IPTABLES", "IPVS", "NFTABLES"].includes(want.mode)) {
    findings.push({ id: "unknown-mode", severity: "blocker", path: "mode", message: `mode "${want.mode}" is not one of IPTABLES, IPVS, NFTABLES.` });
  }

  if (want.mode === "IPVS") {
    if (eq(facts.networkPolicy, "azure")) {
      findings.push({
        id: "ipvs-with-azure-network-policy",
        severity: "blocker",
        path: "mode",
        message: "IPVS is not supported with Azure Network Policy (networkPolicy: azure): Service traffic breaks (azure-container-networking #1612). Use IPTABLES or NFTABLES, or move the cluster to Cilium/Calico network policy first.",
      });
    }
    if (k8s && !isAtLeast(k8s, 1, 22)) {
      findings.push({ id: "ipvs-needs-k8s-1.22", severity: "blocker", path: "mode", message: `IPVS needs Kubernetes 1.22 or newer; the cluster runs ${versionText}. Upgrade the cluster first.` });
    }
    if (k8s && isAtLeast(k8s, 1, 35)) {
      findings.push({ id: "ipvs-deprecated", severity: "warning", path: "mode", message: `IPVS mode is deprecated upstream from Kubernetes 1.35 (KEP-5495) and the cluster runs ${versionText}; prefer NFTABLES.` });
    } else {
      findings.push({ id: "ipvs-deprecated", severity: "note", path: "mode", message: "IPVS mode is deprecated upstream from Kubernetes 1.35 (KEP-5495); plan a move to NFTABLES (Kubernetes 1.33+)." });
    }
    if (want.ipvsConfig?.scheduler === "LeastConnection") {
      findings.push({
        id: "ipvs-least-connection",
        severity: "note",
        path: "ipvsConfig.scheduler",
        message: "IPVS LeastConnection balances poorly when a Service has fewer connections than about twice the number of nodes; RoundRobin is the safer default for low traffic.",
      });
    }
  }

  if (want.mode === "NFTABLES") {
    if (compareApiVersions(apiVersion, NFTABLES_MIN_API_VERSION) < 0) {
      findings.push({ id: "nftables-needs-api-version", severity: "blocker", path: "mode", message: `NFTABLES needs api-version ${NFTABLES_MIN_API_VERSION} or newer; this client uses ${apiVersion}.` });
    }
    if (!k8s) {
      findings.push({ id: "kubernetes-version-unknown", severity: "warning", path: "mode", message: "The cluster's Kubernetes version is unknown; NFTABLES only takes effect on 1.33 or newer (Azure accepts it on older versions and keeps running iptables)." });
    } else if (!isAtLeast(k8s, 1, 33)) {
      findings.push({
        id: "nftables-needs-k8s-1.33",
        severity: "blocker",
        path: "mode",
        message: `NFTABLES needs Kubernetes 1.33 or newer; the cluster runs ${versionText}. Azure would accept the setting and silently keep running iptables. Upgrade the cluster first.`,
      });
    }
  }

  if (desired.ipvsConfig !== undefined && want.mode !== "IPVS") {
    findings.push(
      want.mode === "NFTABLES"
        ? { id: "ipvs-config-with-nftables", severity: "blocker", path: "ipvsConfig", message: "ipvsConfig cannot be given with mode NFTABLES (Azure refuses it with KubeProxyConfigFieldUnsupported); remove ipvsConfig." }
        : { id: "ipvs-config-requires-ipvs", severity: "blocker", path: "ipvsConfig", message: `ipvsConfig may only be given with mode IPVS (mode is ${want.mode}); remove ipvsConfig or set mode IPVS.` },
    );
  }

  const cilium = isCiliumDataplane(facts);
  if (cilium && want.enabled) {
    // Cilium replaces kube-proxy; Azure refuses any kubeProxyConfig that enables it: stop before any write.
    findings.push({
      id: "cilium-dataplane-requires-kube-proxy-disabled",
      severity: "blocker",
      path: "enabled",
      message: `The cluster's data plane is Cilium (networkDataplane: ${facts.networkDataplane ?? "cilium"}), which replaces kube-proxy: Azure refuses a kubeProxyConfig that enables kube-proxy (${desired.enabled === undefined ? "enabled is absent, which means true" : "enabled: true"}) with CiliumDataplaneRequiresKubeProxyConfigDisabled. Leave this cluster out (its Services are handled by Cilium), or write only { "enabled": false }.`,
    });
  }

  if (!want.enabled && current.enabled && !cilium) {
    const byoCni = eq(facts.networkPlugin, "none");
    if (!byoCni && facts.networkPlugin !== undefined) {
      // Azure refuses this whatever the caller means (KubeProxyConfigDisabledBYOCNIOnly): stop before any write.
      findings.push({
        id: "disable-requires-byo-cni",
        severity: "blocker",
        path: "enabled",
        message: `enabled: false is only allowed on bring-your-own CNI clusters (networkPlugin none); this cluster uses networkPlugin ${facts.networkPlugin}, and Azure refuses it with KubeProxyConfigDisabledBYOCNIOnly. Keep kube-proxy enabled, or create the cluster with networkPlugin none and your own CNI.`,
      });
    } else if (!args.allowDisable) {
      findings.push({
        id: "disable-kube-proxy",
        severity: "blocker",
        path: "enabled",
        message: "enabled: false removes the managed kube-proxy; your CNI must replace it. Confirm that you mean it (allowDisable / --disable-kube-proxy).",
      });
    } else if (!byoCni) {
      findings.push({
        id: "disable-requires-byo-cni",
        severity: "warning",
        path: "enabled",
        message: "The cluster's networkPlugin is unknown: Azure allows enabled: false only for bring-your-own CNI clusters (networkPlugin none) and refuses it otherwise with KubeProxyConfigDisabledBYOCNIOnly.",
      });
    }
  }

  if (want.enabled && current.enabled && want.mode !== current.mode) {
    findings.push({
      id: "mode-change-disrupts-traffic",
      severity: "warning",
      path: "mode",
      message: `Changing mode from ${current.mode} to ${want.mode} reconfigures kube-proxy on every node and briefly interrupts Service traffic; do it in a maintenance window.`,
    });
  }

  const order = { blocker: 0, warning: 1, note: 2 } as const;
  return findings.sort((a, b) => order[a.severity] - order[b.severity]);
}
