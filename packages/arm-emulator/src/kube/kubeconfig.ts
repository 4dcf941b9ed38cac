/**
 * Kubeconfig documents as AKS's listClusterUserCredential / listClusterAdminCredential return them (YAML, base64 in
 * the ARM answer): clusters/users/contexts, the cluster CA as certificate-authority-data, a client certificate and a
 * token for local accounts, and for an Entra-integrated cluster's user an `exec` of kubelogin with the AKS server
 * application id (shared/README.md "How a kube-proxy setting reaches the nodes").
 */
import { AKS_SERVER_APP_ID } from "./types";

/** The Azure CLI's public client id kubelogin gets tokens with in AKS's user kubeconfigs (devicecode login). */
export const AZURE_CLI_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./:@=+-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~|[-+]?[0-9.]+(e[-+]?[0-9]+)?)$/i;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return "null";
  if (typeof value !== "string") return String(value);
  return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}

/** A small block-style YAML writer for kubeconfig documents (strings quoted when YAML would read them otherwise). */
export function toYaml(value: Yaml, indent = ""): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]\n";
    return value
      .map((item) => {
        if (item !== null && typeof item === "object") {
          const body = toYaml(item, indent + "  ");
          return `${indent}- ${body.slice(indent.length + 2)}`;
        }
        return `${indent}- ${scalar(item)}\n`;
      })
      .join("");
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}\n";
    return entries
      .map(([key, item]) => {
        if (item !== null && typeof item === "object") {
          const empty = Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0;
          if (empty) return `${indent}${key}: ${Array.isArray(item) ? "[]" : "{}"}\n`;
          return `${indent}${key}:\n${toYaml(item, Array.isArray(item) ? indent : indent + "  ")}`;
        }
        return `${indent}${key}: ${scalar(item)}\n`;
      })
      .join("");
  }
  return `${scalar(value)}\n`;
}

/** What a kubeconfig needs to say. */
export interface KubeconfigInput {
  clusterName: string;
  resourceGroup: string;
  server: string;
  caPem: string;
  kind: "user" | "admin";
  /** Local account: client certificate, key and static token. */
  local?: { certPem: string; keyPem: string; token: string };
  /** Entra-integrated: kubelogin for the AKS server application in this tenant. */
  entra?: { tenantId: string };
}

/** The kubeconfig YAML. */
export function kubeconfigYaml(input: KubeconfigInput): string {
  const b64 = (pem: string): string => Buffer.from(pem, "utf8").toString("base64");
  const userName = `cluster${input.kind === "admin" ? "Admin" : "User"}_${input.resourceGroup}_${input.clusterName}`;
  const contextName = input.kind === "admin" ? `${input.clusterName}-admin` : input.clusterName;
  let user: Yaml;
  if (input.local) {
    user = { "client-certificate-data": b64(input.local.certPem), "client-key-data": b64(input.local.keyPem), token: input.local.token };
  } else {
    user = {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        args: ["get-token", "--environment", "AzurePublicCloud", "--server-id", AKS_SERVER_APP_ID, "--client-id", AZURE_CLI_CLIENT_ID, "--tenant-id", input.entra?.tenantId ?? "", "--login", "devicecode"],
        command: "kubelogin",
        env: null,
        installHint:
          "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n",
        interactiveMode: "IfAvailable",
        provideClusterInfo: false,
      },
    };
  }
  return toYaml({
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": b64(input.caPem), server: input.server }, name: input.clusterName }],
    contexts: [{ context: { cluster: input.clusterName, user: userName }, name: contextName }],
    "current-context": contextName,
    kind: "Config",
    preferences: {},
    users: [{ name: userName, user }],
  });
}
