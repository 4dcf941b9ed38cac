/**
 * How AKS renders `networkProfile.kubeProxyConfig` into the kube-proxy DaemonSet's command line. Sources (see the
 * README, "Kubernetes API"): the AKS nftables troubleshooting article (expected arguments `--proxy-mode=nftables`,
 * `--metrics-bind-address=0.0.0.0:10249`, `--conntrack-max-per-core=0`, `--detect-local-mode=ClusterCIDR`);
 * Azure/azure-container-networking#1612 (IPVS as `--ipvs-scheduler` and the upstream duration flags
 * `--ipvs-tcp-timeout`, `--ipvs-tcpfin-timeout`, `--ipvs-udp-timeout`); upstream kube-proxy (`--ipvs-scheduler`
 * takes ipvsadm's scheduler names, `rr` by default); the spec's defaults (RoundRobin, 900 s, 120 s, 300 s); NFTABLES
 * below Kubernetes 1.33 accepted and not applied (shared/README.md) — the rule `effectiveMode` already holds.
 */
import { isObject } from "../http";
import { effectiveMode, IPVS_FIELD_RULES } from "../specRules";

/** The port every kube-proxy serves `/metrics` and `/proxyMode` on (from `--metrics-bind-address`). */
export const KUBE_PROXY_METRICS_PORT = 10249;

/**
 * The AKS scheduler names as ipvsadm/kube-proxy spell them. Assumed: AKS passes the upstream names (RoundRobin = `rr`,
 * LeastConnection = `lc`); its rendering code is not public.
 */
const SCHEDULERS: Record<string, string> = { roundrobin: "rr", leastconnection: "lc" };


/** Facts of the cluster the command depends on. */
export interface RenderInput {
  kubeProxyConfig: unknown;
  kubernetesVersion: string;
  /** `networkProfile.networkDataplane`: on `cilium` there is no kube-proxy (Cilium replaces it). */
  networkDataplane?: string | undefined;
  /** `--cluster-cidr` (the pod CIDR, or the node subnet with Azure CNI). */
  clusterCidr: string;
}

/**
 * The kube-proxy container's `command` (flags included, as AKS's DaemonSet has them), or undefined when kube-proxy
 * is disabled (`enabled: false`, or a Cilium dataplane: no DaemonSet).
 */
export function renderKubeProxyCommand(input: RenderInput): string[] | undefined {
  const mode = effectiveMode(input.kubeProxyConfig, input.kubernetesVersion, input.networkDataplane);
  if (mode === "DISABLED") return undefined;
  const command = [
    "kube-proxy",
    "--conntrack-max-per-core=0",
    `--metrics-bind-address=0.0.0.0:${KUBE_PROXY_METRICS_PORT}`,
    `--cluster-cidr=${input.clusterCidr}`,
    "--detect-local-mode=ClusterCIDR",
    `--proxy-mode=${mode.toLowerCase()}`,
  ];
  if (mode === "IPVS") {
    const ipvs = isObject(input.kubeProxyConfig) && isObject(input.kubeProxyConfig.ipvsConfig) ? input.kubeProxyConfig.ipvsConfig : {};
    // Each ipvsConfig field of the rules, set or the spec's default (RoundRobin, 900 s, 120 s, 300 s).
    for (const field of IPVS_FIELD_RULES) {
      const value = ipvs[field.name];
      if (field.kind === "scheduler") {
        const scheduler = typeof value === "string" ? value : field.default;
        command.push(`${field.flag}=${SCHEDULERS[scheduler.toLowerCase()] ?? scheduler.toLowerCase()}`);
      } else {
        command.push(`${field.flag}=${typeof value === "number" && Number.isInteger(value) && value > 0 ? value : field.default}s`);
      }
    }
  }
  command.push("--v=3");
  return command;
}

/** The mode a kube-proxy started with `command` runs (its `--proxy-mode`; upstream's default on Linux is iptables). */
export function proxyModeOf(command: readonly string[]): string {
  const flag = [...command].reverse().find((a) => a.startsWith("--proxy-mode="));
  const value = flag?.slice("--proxy-mode=".length) ?? "";
  return value === "" ? "iptables" : value;
}
