/**
 * The two ARM actions that hand out kubeconfigs (`listClusterUserCredential`, `listClusterAdminCredential`), answered
 * from the emulator's Kubernetes side (kube/runtime.ts).
 */
import { armError, type ArmResponse } from "../http";
import type { ClusterRecord } from "../state/clusters";
import type { SubscriptionState } from "../state/store";
import { isManagedClustersApiVersion } from "../apiVersions";
import { dataPlaneKey } from "../kube/faults";
import { kubeconfigYaml } from "../kube/kubeconfig";
import { isEntraIntegrated, localAccountsDisabled } from "../kube/runtime";
import { checkApiVersion, type RequestContext } from "./context";

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
