/**
 * The one definition of the kube-proxy settings (`networkProfile.kubeProxyConfig`): every field with its API name,
 * type, bounds, enum values, description, CLI flag, label, the kube-proxy flag it becomes on the nodes and the first
 * preview api-version that has it. The JSON Schema (`schema/kube-proxy-config.schema.json`), the model's constants and
 * types, the parser, the CLI's inline flags and rendering, the data-plane check and the Pulumi schema are derived from
 * it; `test/settings.fields.test.ts` checks it against the REST spec excerpts in `test/fixtures/azure-rest-spec/`.
 * Adding a field means adding a row here (and tests).
 * @packageDocumentation
 */

/** Largest value of an int32 field. */
export const INT32_MAX = 2147483647;

/** One allowed value of an enum field. */
export interface KubeProxyEnumValue {
  /** The API's spelling. */
  readonly value: string;
  /** What it means (Pulumi enum docs). */
  readonly description: string;
  /** First preview api-version whose spec lists the value. */
  readonly since: string;
  /** The value of the kube-proxy flag on the nodes (default: the value in lower case). */
  readonly nodeValue?: string;
}

/** A known misspelling of an enum value, read as the right one with a warning. */
export interface KubeProxyEnumAlias {
  /** The misspelling, lower-cased. */
  readonly alias: string;
  /** The value it is read as. */
  readonly value: string;
  /** Id of the warning. */
  readonly id: string;
  /** Why it is worth a warning. */
  readonly why: string;
}

/** The CLI's inline flag of a field. */
export interface KubeProxyCliFlag {
  /** The flag, e.g. `--udp-timeout`. */
  readonly flag: string;
  /** Its argument's name in `--help` (absent: a boolean switch that sets {@link KubeProxyCliFlag.sets}). */
  readonly argument?: string;
  /** `--help` text after `inline: ` (enum fields list their values before it). */
  readonly help: string;
  /** For a switch: the value it sets. */
  readonly sets?: boolean;
}

/** One row of {@link KUBE_PROXY_FIELDS}. */
export interface KubeProxyFieldDefinition {
  /** The API name (camelCase), e.g. `udpTimeoutSeconds`. */
  readonly name: string;
  /** The object it sits in: the top level, or `ipvsConfig`. */
  readonly parent?: string;
  /** JSON type. */
  readonly type: "boolean" | "string" | "integer" | "object";
  /** Integer bounds (inclusive). */
  readonly minimum?: number;
  readonly maximum?: number;
  /** Enum values, in the spec's order. */
  readonly values?: readonly KubeProxyEnumValue[];
  /** The spec's `x-ms-enum` / definition name of the enum or object type (Pulumi type token). */
  readonly typeName?: string;
  /** Known misspellings of enum values. */
  readonly aliases?: readonly KubeProxyEnumAlias[];
  /** Description (JSON Schema, Pulumi). */
  readonly description: string;
  /** For an object: the mode it may only be given with. */
  readonly onlyWithMode?: string;
  /** First preview api-version whose spec has the field. */
  readonly since: string;
  /** The CLI's inline flag. */
  readonly cli?: KubeProxyCliFlag;
  /** Label in one-line renderings (`udp 300s`); absent: the value alone (`IPVS`). */
  readonly label?: string;
  /** Unit suffix of the value in renderings and kube-proxy flags (`s`). */
  readonly unit?: string;
  /** The kube-proxy command-line flag AKS renders the field as on the nodes. */
  readonly nodeFlag?: string;
}

const FIRST_API_VERSION = "2022-08-02-preview";

/**
 * Every field of kubeProxyConfig, in canonical order (the order of `--help`, renderings and the schemas). Paths are
 * `name` or `parent.name`.
 */
export const KUBE_PROXY_FIELDS = [
  {
    name: "enabled",
    type: "boolean",
    description: "Whether to enable kube-proxy on the cluster (if no 'kubeProxyConfig' exists, kube-proxy is enabled in AKS by default). false is only allowed for bring-your-own CNI clusters (networkPlugin none).",
    since: FIRST_API_VERSION,
    cli: { flag: "--disable-kube-proxy", help: "set enabled: false (removes the managed kube-proxy; only for bring-your-own CNI) and confirm you mean it", sets: false },
  },
  {
    name: "mode",
    type: "string",
    typeName: "Mode",
    values: [
      { value: "IPTABLES", description: "iptables rules (the AKS default).", since: FIRST_API_VERSION },
      { value: "IPVS", description: "IP Virtual Server; deprecated upstream from Kubernetes 1.35.", since: FIRST_API_VERSION },
      { value: "NFTABLES", description: "nftables; applied from Kubernetes 1.33 and api-version 2025-09-02-preview.", since: "2025-09-02-preview" },
    ],
    description: "Proxy mode: IPTABLES, IPVS (Kubernetes >= 1.22; deprecated upstream from 1.35) or NFTABLES (Kubernetes >= 1.33, api-version >= 2025-09-02-preview).",
    since: FIRST_API_VERSION,
    cli: { flag: "--mode", argument: "mode", help: "" },
    nodeFlag: "--proxy-mode",
  },
  {
    name: "ipvsConfig",
    type: "object",
    typeName: "IpvsConfig",
    description: "Holds configuration customizations for IPVS. May only be specified if 'mode' is set to 'IPVS'.",
    onlyWithMode: "IPVS",
    since: FIRST_API_VERSION,
  },
  {
    name: "scheduler",
    parent: "ipvsConfig",
    type: "string",
    typeName: "IpvsScheduler",
    values: [
      { value: "RoundRobin", description: "Round robin.", since: FIRST_API_VERSION, nodeValue: "rr" },
      { value: "LeastConnection", description: "Least connection.", since: FIRST_API_VERSION, nodeValue: "lc" },
    ],
    aliases: [
      {
        alias: "leastconnections",
        value: "LeastConnection",
        id: "ipvs-scheduler-least-connections",
        why: 'an older revision of the AKS docs wrote "LeastConnections"; the API value is "LeastConnection" (a plural is ignored by some clients, leaving the cluster unchanged)',
      },
    ],
    description: "IPVS scheduler, see http://www.linuxvirtualserver.org/docs/scheduling.html. (\"LeastConnections\" is read as \"LeastConnection\" with a warning.)",
    since: FIRST_API_VERSION,
    cli: { flag: "--ipvs-scheduler", argument: "scheduler", help: "(IPVS only)" },
    nodeFlag: "--ipvs-scheduler",
  },
  {
    name: "tcpTimeoutSeconds",
    parent: "ipvsConfig",
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    description: "The timeout value used for idle IPVS TCP sessions in seconds. Must be a positive integer value.",
    since: FIRST_API_VERSION,
    cli: { flag: "--tcp-timeout", argument: "seconds", help: "IPVS TCP timeout in seconds" },
    label: "tcp",
    unit: "s",
    nodeFlag: "--ipvs-tcp-timeout",
  },
  {
    name: "tcpFinTimeoutSeconds",
    parent: "ipvsConfig",
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    description: "The timeout value used for IPVS TCP sessions after receiving a FIN in seconds. Must be a positive integer value.",
    since: FIRST_API_VERSION,
    cli: { flag: "--tcp-fin-timeout", argument: "seconds", help: "IPVS TCP FIN timeout in seconds" },
    label: "fin",
    unit: "s",
    nodeFlag: "--ipvs-tcpfin-timeout",
  },
  {
    name: "udpTimeoutSeconds",
    parent: "ipvsConfig",
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    description: "The timeout value used for IPVS UDP packets in seconds. Must be a positive integer value.",
    since: FIRST_API_VERSION,
    cli: { flag: "--udp-timeout", argument: "seconds", help: "IPVS UDP timeout in seconds" },
    label: "udp",
    unit: "s",
    nodeFlag: "--ipvs-udp-timeout",
  },
] as const satisfies readonly KubeProxyFieldDefinition[];

/** A row of the table, as its literal type. */
export type KubeProxyField = (typeof KUBE_PROXY_FIELDS)[number];

/** The dotted path of a field (`mode`, `ipvsConfig.udpTimeoutSeconds`). */
export function fieldPath(field: KubeProxyFieldDefinition): string {
  return field.parent === undefined ? field.name : `${field.parent}.${field.name}`;
}

/** The fields directly inside `parent` (undefined: the top level), in table order. */
export function fieldsIn(parent: string | undefined): readonly KubeProxyFieldDefinition[] {
  return (KUBE_PROXY_FIELDS as readonly KubeProxyFieldDefinition[]).filter((f) => f.parent === parent);
}

/** The row of a field by its path; throws for an unknown path (a programming error). */
export function fieldAt(path: string): KubeProxyFieldDefinition {
  const field = (KUBE_PROXY_FIELDS as readonly KubeProxyFieldDefinition[]).find((f) => fieldPath(f) === path);
  if (!field) throw new Error(`no kube-proxy field ${path}`);
  return field;
}

/** The values of an enum field, as a literal tuple. */
type ValuesOf<F> = F extends { readonly values: readonly { readonly value: infer V }[] } ? V : never;
/** The TypeScript type a row stands for. */
type ValueTypeOf<F> = F extends { readonly type: "boolean" }
  ? boolean
  : F extends { readonly type: "integer" }
    ? number
    : F extends { readonly type: "string" }
      ? ValuesOf<F>
      : F extends { readonly type: "object"; readonly name: infer N }
        ? { -readonly [C in Extract<KubeProxyField, { readonly parent: N }> as C["name"]]?: ValueTypeOf<C> }
        : never;

/**
 * Kube-proxy settings as the table defines them (every field optional, enum fields as their literal values). The
 * Azure SDK's `ContainerServiceNetworkProfileKubeProxyConfig` accepts every value of this type.
 */
export type KubeProxySettingsDocument = {
  -readonly [F in Exclude<KubeProxyField, { readonly parent: string }> as F["name"]]?: ValueTypeOf<F>;
};

/** The values of an enum field, in table order. */
export function enumValues(path: string): readonly string[] {
  return (fieldAt(path).values ?? []).map((v) => v.value);
}
