/**
 * Everything of the emulated Kubernetes side a request needs: the PKI, the data-plane model, its faults, the static
 * tokens of local accounts, the listener's URL. The two ARM actions that hand out kubeconfigs are in
 * routes/credentials.ts (so this module needs nothing of the routes).
 */
import { randomBytes } from "node:crypto";
import { isObject } from "../http";
import type { ClusterRecord } from "../state/clusters";
import { dataPlaneKey, type KubeFaultRegistry } from "./faults";
import type { KubeModel } from "./model";
import type { KubePki } from "./pki";

/** The Kubernetes side of one emulator. */
export class KubeRuntime {
  private readonly tokens = new Map<string, string>();
  /** https://127.0.0.1:PORT of the shared Kubernetes listener (`/clusters/<fqdn>` prefix; set once it listens). */
  url = "";
  /** Opens (once) the cluster's own listener; resolves with its URL (set by the emulator). */
  openEndpoint: (key: string) => Promise<string> = () => Promise.reject(new Error("no Kubernetes listeners"));
  private readonly endpoints = new Map<string, string>();

  constructor(
    readonly pki: KubePki,
    readonly model: KubeModel,
    readonly faults: KubeFaultRegistry,
    readonly tenantId: string,
  ) {}

  /** The kubeconfig `server:` of a cluster: its own listener (opened on first use). */
  async endpointFor(record: ClusterRecord): Promise<string> {
    const key = dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name);
    const url = await this.openEndpoint(key);
    this.endpoints.set(key, url);
    return url;
  }

  /** The cluster's own listener if open, else the shared listener's `/clusters/<fqdn>` (both reach its API server). */
  serverFor(record: ClusterRecord): string {
    return this.endpoints.get(dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name)) ?? `${this.url}/clusters/${encodeURIComponent(fqdnOf(record))}`;
  }

  /** The static token of a cluster's local accounts (made once). */
  staticToken(record: ClusterRecord): string {
    const key = dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name);
    let token = this.tokens.get(key);
    if (!token) {
      token = randomBytes(32).toString("hex");
      this.tokens.set(key, token);
    }
    return token;
  }

  /** The cluster whose static token this is. */
  clusterOfToken(token: string): string | undefined {
    for (const [key, value] of this.tokens) if (value === token) return key;
    return undefined;
  }
}

/** The cluster's `fqdn` (ARM fills it on create). */
export function fqdnOf(record: ClusterRecord): string {
  const props = isObject(record.raw.properties) ? record.raw.properties : {};
  return typeof props.fqdn === "string" ? props.fqdn : `${record.name}.invalid`;
}

/** True when the cluster is integrated with Microsoft Entra ID (`aadProfile` set). */
export function isEntraIntegrated(record: ClusterRecord): boolean {
  const props = isObject(record.raw.properties) ? record.raw.properties : {};
  return isObject(props.aadProfile);
}

/** True when local accounts (client certificates, static tokens) are disabled. */
export function localAccountsDisabled(record: ClusterRecord): boolean {
  const props = isObject(record.raw.properties) ? record.raw.properties : {};
  return props.disableLocalAccounts === true;
}
