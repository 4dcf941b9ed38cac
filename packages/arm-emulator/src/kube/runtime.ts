/**
 * Everything of the emulated Kubernetes side a request needs: the PKI, the data-plane model, its faults, the static
 * tokens of local accounts, the listener's URL. Also the two ARM actions that hand out kubeconfigs.
 */
import { randomBytes } from "node:crypto";
import { armError, isObject, type ArmResponse } from "../http";
import type { ClusterRecord } from "../state/clusters";
import type { SubscriptionState } from "../state/store";
import { checkApiVersion, type RequestContext } from "../routes/context";
import { isManagedClustersApiVersion } from "../apiVersions";
import { dataPlaneKey, type KubeFaultRegistry } from "./faults";
import { kubeconfigYaml } from "./kubeconfig";
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

const LOCAL_ACCOUNTS_DISABLED = "Getting static credential is not allowed because this cluster is set to disable local accounts.";

/**
 * `POST …/managedClusters/{name}/listClusterUserCredential` and `…/listClusterAdminCredential`:
 * `{"kubeconfigs":[{"name":"clusterUser"|"clusterAdmin","value":"<base64 kubeconfig>"}]}`.
 */
export async function listCredential(ctx: RequestContext, record: ClusterRecord, kind: "user" | "admin"): Promise<ArmResponse> {
  const kube = ctx.kube;
  if (!kube) return armError(500, "InternalServerError", "The emulator has no Kubernetes side.");
  const entraUser = kind === "user" && isEntraIntegrated(record);
  if (!entraUser && localAccountsDisabled(record)) return armError(400, "BadRequest", LOCAL_ACCOUNTS_DISABLED);
  const local = entraUser ? undefined : await kube.pki.clientCertificate(dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name));
  const yaml = kubeconfigYaml({
    clusterName: record.name,
    resourceGroup: record.resourceGroup,
    server: await kube.endpointFor(record),
    caPem: kube.pki.caCert,
    kind,
    ...(local ? { local: { certPem: local.cert, keyPem: local.key, token: kube.staticToken(record) } } : { entra: { tenantId: kube.tenantId } }),
  });
  return { status: 200, body: { kubeconfigs: [{ name: kind === "admin" ? "clusterAdmin" : "clusterUser", value: Buffer.from(yaml, "utf8").toString("base64") }] } };
}

/** Route handler factory for the two credential actions (the cluster must exist). */
export function credentialRoute(kind: "user" | "admin", notFound: (rg: string, name: string) => ArmResponse) {
  return (ctx: RequestContext, sub: SubscriptionState, params: string[]): Promise<ArmResponse> | ArmResponse => {
    const check = checkApiVersion(ctx, isManagedClustersApiVersion, {
      resourceType: "managedClusters",
      namespace: "Microsoft.ContainerService",
      supported: "2017-08-31 ... 2026-08-02-preview",
    });
    if (!check.ok) return check.response;
    const [rg = "", name = ""] = params;
    const record = ctx.store.getCluster(sub, rg, name);
    if (!record) return notFound(rg, name);
    return listCredential(ctx, record, kind);
  };
}
