/**
 * Known values of the kubeProxyConfig model, derived from the one field table ({@link KUBE_PROXY_FIELDS}).
 * @packageDocumentation
 */
import { INT32_MAX, KUBE_PROXY_FIELDS, type KubeProxyField } from "./fields";

export { INT32_MAX };

type EnumOf<N extends string> = Extract<KubeProxyField, { readonly name: N }> extends { readonly values: readonly { readonly value: infer V }[] } ? V : never;

function valuesOf<N extends string>(name: N): readonly EnumOf<N>[] {
  const field = KUBE_PROXY_FIELDS.find((f) => f.name === name);
  return (field && "values" in field ? field.values.map((v) => v.value) : []) as readonly string[] as readonly EnumOf<N>[];
}

/** Proxy modes the newest preview api-version knows. */
export const KUBE_PROXY_MODES = valuesOf("mode");

/** IPVS schedulers Azure accepts. */
export const IPVS_SCHEDULERS = valuesOf("scheduler");

/** A proxy mode. */
export type KubeProxyMode = EnumOf<"mode">;
/** An IPVS scheduler. */
export type IpvsScheduler = EnumOf<"scheduler">;

/** Names of the ipvsConfig fields, in canonical (API) spelling and table order. */
export type IpvsFieldName = Extract<KubeProxyField, { readonly parent: "ipvsConfig" }>["name"];
/** Names of the ipvsConfig fields, in table order. */
export const IPVS_FIELDS = KUBE_PROXY_FIELDS.filter((f) => "parent" in f && f.parent === "ipvsConfig").map((f) => f.name) as readonly string[] as readonly IpvsFieldName[];

/** Names of the ipvsConfig integer (timeout) fields. */
export type IpvsTimeoutFieldName = Extract<KubeProxyField, { readonly parent: "ipvsConfig"; readonly type: "integer" }>["name"];
/** Names of the ipvsConfig timeout fields, in canonical (API) spelling. */
export const IPVS_TIMEOUT_FIELDS = KUBE_PROXY_FIELDS.filter((f) => "parent" in f && f.parent === "ipvsConfig" && f.type === "integer").map((f) => f.name) as readonly string[] as readonly IpvsTimeoutFieldName[];
