/**
 * The kubeconfig ARM returns (`listClusterUserCredential` / `listClusterAdminCredential`): decoding, choosing the
 * current context, and replacing a kubelogin `exec` user (Microsoft Entra integration) by a bearer token the caller
 * got from its own credential chain for the AKS server application, as kubelogin does. Pure: no network.
 * @packageDocumentation
 */
import { ValidationError } from "../errors";
import { loadKubernetesClient } from "./kubeApi";

/** The AKS server application (Microsoft Entra integration): tokens for the API server are for `<id>/.default`. */
export const AKS_SERVER_APPLICATION_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** The largest kubeconfig accepted from ARM (hostile input is bounded). @internal */
export const MAX_KUBECONFIG_BYTES = 1_048_576;

/** How the kubeconfig authenticates to the API server. */
export type KubeconfigAuthentication = "client-certificate" | "token" | "entra" | "other";

/** A kubeconfig read from ARM's answer (current context only), ready for a Kubernetes client. */
export interface ClusterKubeconfig {
  /** The kubeconfig document (YAML as a plain object), current context only. */
  readonly document: Record<string, unknown>;
  /** The API server URL (`clusters[].cluster.server`). */
  readonly server: string;
  /** How its user authenticates. */
  readonly authentication: KubeconfigAuthentication;
  /** For `entra`: the server application id to get a token for (kubelogin's `--server-id`). */
  readonly serverId?: string;
}

type Rec = Record<string, unknown>;

function rec(x: unknown): Rec | undefined {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Rec) : undefined;
}

function named(list: unknown, name: unknown): Rec | undefined {
  if (!Array.isArray(list)) return undefined;
  const items = list.map(rec).filter((x): x is Rec => x !== undefined);
  return (name !== undefined ? items.find((x) => x["name"] === name) : undefined) ?? (name === undefined ? items[0] : undefined);
}

function invalid(what: string): ValidationError {
  return new ValidationError(`The kubeconfig Azure returned is not usable: ${what}. Check the cluster in the portal, or ask for the other credential (user or admin).`, [
    { path: "kubeconfigs[0].value", message: what },
  ]);
}

/**
 * Picks the kubeconfig out of ARM's `{"kubeconfigs":[{"name","value":"<base64>"}]}` answer and decodes it.
 * @param body - ARM's answer
 * The YAML is parsed by `@kubernetes/client-node`'s own YAML reader (`loadYaml`, loaded on first use), so the SDK
 * carries no YAML library of its own.
 * @throws {@link ValidationError} when there is no kubeconfig, it is too large or not YAML
 */
export async function decodeCredentialResults(body: unknown): Promise<Rec> {
  const list = rec(body)?.["kubeconfigs"];
  const first = Array.isArray(list) ? rec(list[0]) : undefined;
  const value = first?.["value"];
  if (typeof value !== "string" || value === "") throw invalid("no kubeconfig in the answer");
  if (value.length > (MAX_KUBECONFIG_BYTES * 4) / 3 + 4) throw invalid(`larger than ${MAX_KUBECONFIG_BYTES} bytes`);
  const text = Buffer.from(value, "base64").toString("utf8");
  const { loadYaml } = await loadKubernetesClient();
  let doc: unknown;
  try {
    doc = loadYaml<unknown>(text);
  } catch (error) {
    throw invalid(`not YAML (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
  }
  const r = rec(doc);
  if (!r) throw invalid("not a kubeconfig document");
  return r;
}

/**
 * Reads a kubeconfig document: its current context's cluster and user, and how that user authenticates. A user whose
 * `exec` runs kubelogin (`get-token … --server-id ID`) is `entra`: the caller gets a token for `ID/.default` and
 * passes it to {@link withBearerToken}.
 * @param document - from {@link decodeCredentialResults}
 * @throws {@link ValidationError} when the context, cluster, user or server is missing
 */
export function readKubeconfig(document: Rec): ClusterKubeconfig {
  const contextName = document["current-context"];
  const context = rec(named(document["contexts"], typeof contextName === "string" && contextName !== "" ? contextName : undefined)?.["context"]);
  const clusterEntry = named(document["clusters"], context?.["cluster"]);
  const userEntry = named(document["users"], context?.["user"]);
  const cluster = rec(clusterEntry?.["cluster"]);
  const user = rec(userEntry?.["user"]);
  if (!cluster || !userEntry || !clusterEntry) throw invalid("no cluster or user for the current context");
  const server = cluster["server"];
  if (typeof server !== "string" || !/^https:\/\//i.test(server)) throw invalid("the cluster has no https server address");
  let authentication: KubeconfigAuthentication = "other";
  let serverId: string | undefined;
  const exec = rec(user?.["exec"]);
  if (exec) {
    const args = Array.isArray(exec["args"]) ? exec["args"].filter((a): a is string => typeof a === "string") : [];
    const i = args.indexOf("--server-id");
    const inline = args.find((a) => a.startsWith("--server-id="));
    serverId = i >= 0 ? args[i + 1] : inline?.slice("--server-id=".length);
    if (String(exec["command"] ?? "").includes("kubelogin") || serverId !== undefined) {
      authentication = "entra";
      serverId = serverId ?? AKS_SERVER_APPLICATION_ID;
    }
  } else if (user?.["client-certificate-data"] !== undefined || user?.["client-certificate"] !== undefined) authentication = "client-certificate";
  else if (user?.["token"] !== undefined) authentication = "token";
  const only: Rec = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [clusterEntry],
    users: [userEntry],
    contexts: [{ name: "verify", context: { cluster: clusterEntry["name"], user: userEntry["name"] } }],
    "current-context": "verify",
  };
  return { document: only, server, authentication, ...(serverId !== undefined ? { serverId } : {}) };
}

/**
 * The same kubeconfig with its user replaced by a bearer token (what kubelogin's exec plugin would hand kubectl).
 * @param kubeconfig - from {@link readKubeconfig}
 * @param token - an access token for the AKS server application
 */
export function withBearerToken(kubeconfig: ClusterKubeconfig, token: string): ClusterKubeconfig {
  const users = kubeconfig.document["users"] as Rec[];
  const name = users[0]?.["name"];
  return { ...kubeconfig, document: { ...kubeconfig.document, users: [{ name, user: { token } }] }, authentication: "entra" };
}

/**
 * The kubeconfig as YAML, for `KubeConfig.loadFromString`: written as JSON, which is valid YAML.
 * @internal
 */
export function kubeconfigYaml(kubeconfig: ClusterKubeconfig): string {
  return JSON.stringify(kubeconfig.document);
}
