/**
 * The `aks-kube-proxy` Pulumi provider: serves the package's schema, the two custom resources
 * (`ClusterKubeProxySettings`, `PreviewEnablement`) and the `KubeProxyConfig` component (through construct), so any
 * Pulumi language can use them. The resources' logic is the providers' in ../providers (the SDK's validation, plan,
 * apply and restore target); this module routes each call by type token and turns the provider configuration into
 * the credential settings those providers read.
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { AZURE_AUTH_CONFIG_KEYS } from "../auth/resolveAzureAuth";
import { createClusterSettingsProvider, type ClusterSettingsProvider } from "./clusterSettingsProvider";
import { createPreviewEnablementProvider, type PreviewEnablementProvider } from "./previewEnablementProvider";
import type { KubeProxyProviderOptions } from "./api";
import type { AdaptedProvider, FullDiffResult } from "./serverAdapter";
import { buildSchema, CLUSTER_SETTINGS_TOKEN, COMPONENT_TOKEN, PACKAGE_NAME, PREVIEW_ENABLEMENT_TOKEN } from "./schema";

/** Pulumi's signature key and secret signature, as secret values arrive in a provider's inputs. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * The value without Pulumi's secret wrappers (`{ <sig>: <secret sig>, value }`), at any depth. None of this package's
 * resource inputs is a credential; a program may still mark one secret (the engine keeps the outputs secret).
 * @param value - an input value
 */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record["value"]);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Input properties of the cluster settings resource (what a read hands back as inputs). */
const CLUSTER_INPUT_KEYS: readonly string[] = ["subscriptionId", "resourceGroupName", "clusterName", "settings", "settingsFile", "apiVersion", "restoreOnDelete", "allowDisable", "verifyDataPlane"];

/** The type token in a URN (`urn:pulumi:stack::project::parent$type::name` → `type`). */
export function typeOfUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

/**
 * Maps the provider's configuration (azure-native's key names in this package's namespace) onto the keys the
 * credential resolution reads: `clientId` → `azure-native:clientId`, `endpoint` → `aks-kube-proxy:endpoint`.
 * @param config - provider configuration, keys without namespace
 */
export function credentialConfigOf(config: Readonly<Record<string, string>>): Record<string, string> {
  const mapped: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === "") continue;
    mapped[AZURE_AUTH_CONFIG_KEYS.includes(`azure-native:${key}`) ? `azure-native:${key}` : `${PACKAGE_NAME}:${key}`] = value;
  }
  return mapped;
}

/** Options of {@link KubeProxyProvider}. */
export interface KubeProxyProviderServerOptions extends KubeProxyProviderOptions {
  /** The package version the provider reports. */
  readonly version: string;
}

/** The provider `main` serves. */
export class KubeProxyProvider implements provider.Provider, AdaptedProvider {
  /** Package version. */
  readonly version: string;
  private readonly clusterSettings: ClusterSettingsProvider;
  private readonly previewEnablement: PreviewEnablementProvider;
  private config: Record<string, string> = {};

  /** @param options - version, and (tests) an injected API factory */
  constructor(options: KubeProxyProviderServerOptions) {
    this.version = options.version;
    this.clusterSettings = createClusterSettingsProvider(options);
    this.previewEnablement = createPreviewEnablementProvider(options);
  }

  /** The schema, as JSON text. */
  async getSchema(): Promise<string> {
    return JSON.stringify(buildSchema(this.version));
  }

  /** Takes the provider configuration (credentials, endpoint, polling). */
  configureProvider(config: Readonly<Record<string, string>>): void {
    this.config = credentialConfigOf(config);
    const req = { config: { get: (key: string): string | undefined => this.config[key] } } as unknown as pulumi.dynamic.ConfigureRequest;
    void this.clusterSettings.configure(req);
    void this.previewEnablement.configure(req);
  }

  /** The default subscription: provider configuration (`aks-kube-proxy:subscriptionId`), then `ARM_SUBSCRIPTION_ID`, then `AZURE_SUBSCRIPTION_ID`. */
  private defaultSubscription(): string | undefined {
    return [this.config["azure-native:subscriptionId"], process.env["ARM_SUBSCRIPTION_ID"], process.env["AZURE_SUBSCRIPTION_ID"]].find((v): v is string => v !== undefined && v !== "");
  }

  private withDefaultSubscription(news: Record<string, unknown>): Record<string, unknown> {
    const sub = this.defaultSubscription();
    const missing = news["subscriptionId"] === undefined || news["subscriptionId"] === null || news["subscriptionId"] === "";
    const hasClusterId = typeof news["clusterId"] === "string" && news["clusterId"] !== "";
    return missing && !hasClusterId && sub !== undefined ? { ...news, subscriptionId: sub } : news;
  }

  /**
   * Runs a resource operation; an error that names where a credential value came from names the provider's own key
   * (the values were mapped onto `azure-native:*` keys by {@link credentialConfigOf}, so that is where they came from).
   */
  private async relabel<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      const relabeled = (text: string): string => text.replace(/ from azure-native:/g, ` from ${PACKAGE_NAME}:`);
      if (error instanceof Error) error.message = relabeled(error.message);
      // A partial create or update (id, properties, reasons: Pulumi's ErrorResourceInitFailed) keeps its fields.
      const reasons = (error as { reasons?: unknown }).reasons;
      if (Array.isArray(reasons)) (error as { reasons: unknown[] }).reasons = reasons.map((r) => (typeof r === "string" ? relabeled(r) : r));
      throw error;
    }
  }

  private unknownType(urn: string): Error {
    return new Error(`aks-kube-proxy: unknown resource type ${typeOfUrn(urn)} (known: ${CLUSTER_SETTINGS_TOKEN}, ${PREVIEW_ENABLEMENT_TOKEN}).`);
  }

  /** Validates inputs with the SDK (messages name the JSON path). */
  async check(urn: string, rawOlds: Record<string, unknown>, rawNews: Record<string, unknown>): Promise<provider.CheckResult> {
    const type = typeOfUrn(urn);
    const olds = unwrapSecrets(rawOlds) as Record<string, unknown>;
    const news = unwrapSecrets(rawNews) as Record<string, unknown>;
    if (type === CLUSTER_SETTINGS_TOKEN) return this.clusterSettings.check(olds as never, this.withDefaultSubscription(news) as never);
    if (type === PREVIEW_ENABLEMENT_TOKEN) return this.previewEnablement.check(olds as never, this.withDefaultSubscription(news) as never);
    throw this.unknownType(urn);
  }

  /** Field-level diff; a settings change is an update, another cluster or subscription a replacement. */
  async diff(id: string, urn: string, rawOlds: unknown, rawNews: unknown): Promise<FullDiffResult> {
    const type = typeOfUrn(urn);
    const olds = unwrapSecrets(rawOlds);
    const news = unwrapSecrets(rawNews);
    if (type === CLUSTER_SETTINGS_TOKEN) {
      const result = await this.clusterSettings.diff(id, olds as never, news as never);
      return { changes: result.changes === true, replaces: result.replaces ?? [], deleteBeforeReplace: false, detailedDiff: result.detailedDiff };
    }
    if (type === PREVIEW_ENABLEMENT_TOKEN) {
      const result = await this.previewEnablement.diff(id, olds as never, news as never);
      const replaces = result.replaces ?? [];
      const detailedDiff: Record<string, { kind: "update" | "update-replace"; inputDiff: boolean }> = {};
      for (const key of replaces) detailedDiff[key] = { kind: "update-replace", inputDiff: true };
      const o = olds as Record<string, unknown>;
      const n = news as Record<string, unknown>;
      if ((o["timeoutInMs"] ?? null) !== (n["timeoutInMs"] ?? null)) detailedDiff["timeoutInMs"] = { kind: "update", inputDiff: true };
      if (result.changes === true && Object.keys(detailedDiff).length === 0) detailedDiff["featureState"] = { kind: "update", inputDiff: false };
      return { changes: result.changes === true, replaces, deleteBeforeReplace: false, detailedDiff };
    }
    throw this.unknownType(urn);
  }

  /** Creates: records the previous settings and applies (or enables the preview). */
  async create(urn: string, rawInputs: Record<string, unknown>): Promise<provider.CreateResult> {
    return this.relabel(() => this.createImpl(urn, rawInputs));
  }

  private async createImpl(urn: string, rawInputs: Record<string, unknown>): Promise<provider.CreateResult> {
    const type = typeOfUrn(urn);
    const inputs = unwrapSecrets(rawInputs) as Record<string, unknown>;
    if (type === CLUSTER_SETTINGS_TOKEN) return this.clusterSettings.create(inputs as never);
    if (type === PREVIEW_ENABLEMENT_TOKEN) return this.previewEnablement.create(inputs as never);
    throw this.unknownType(urn);
  }

  /** Reads for refresh and import (an import's read has only the id: the current settings are adopted). */
  async read(id: string, urn: string, rawProps?: Record<string, unknown>): Promise<provider.ReadResult> {
    return this.relabel(() => this.readImpl(id, urn, rawProps));
  }

  private async readImpl(id: string, urn: string, rawProps?: Record<string, unknown>): Promise<provider.ReadResult> {
    const type = typeOfUrn(urn);
    const props = unwrapSecrets(rawProps) as Record<string, unknown> | undefined;
    const known = props !== undefined && Object.keys(props).length > 0 ? props : undefined;
    if (type === CLUSTER_SETTINGS_TOKEN) {
      const result = await this.clusterSettings.read(id, known as never);
      // The engine checks an import's inputs: keep only the input properties (not clusterId beside the names).
      const inputs = result.inputs as Record<string, unknown> | undefined;
      return inputs === undefined ? result : { ...result, inputs: Object.fromEntries(Object.entries(inputs).filter(([key]) => CLUSTER_INPUT_KEYS.includes(key) && inputs[key] !== undefined)) };
    }
    if (type === PREVIEW_ENABLEMENT_TOKEN) {
      const result = await this.previewEnablement.read(id, known as never);
      return { ...result, inputs: result.props === undefined ? undefined : { subscriptionId: (result.props as { subscriptionId: string }).subscriptionId, ...(known?.["timeoutInMs"] !== undefined ? { timeoutInMs: known["timeoutInMs"] } : {}) } };
    }
    throw this.unknownType(urn);
  }

  /** Updates: applies the new settings (writes only when the cluster differs). */
  async update(id: string, urn: string, rawOlds: Record<string, unknown>, rawNews: Record<string, unknown>): Promise<provider.UpdateResult> {
    return this.relabel(() => this.updateImpl(id, urn, rawOlds, rawNews));
  }

  private async updateImpl(id: string, urn: string, rawOlds: Record<string, unknown>, rawNews: Record<string, unknown>): Promise<provider.UpdateResult> {
    const type = typeOfUrn(urn);
    const olds = unwrapSecrets(rawOlds) as Record<string, unknown>;
    const news = unwrapSecrets(rawNews) as Record<string, unknown>;
    if (type === CLUSTER_SETTINGS_TOKEN) return this.clusterSettings.update(id, olds as never, news as never);
    if (type === PREVIEW_ENABLEMENT_TOKEN) return this.previewEnablement.update(id, olds as never, news as never);
    throw this.unknownType(urn);
  }

  /** Deletes: restores the previous settings through the SDK's one restore target; the enablement stays. */
  async delete(id: string, urn: string, rawProps: Record<string, unknown>): Promise<void> {
    return this.relabel(() => this.deleteImpl(id, urn, rawProps));
  }

  private async deleteImpl(id: string, urn: string, rawProps: Record<string, unknown>): Promise<void> {
    const type = typeOfUrn(urn);
    const props = unwrapSecrets(rawProps) as Record<string, unknown>;
    if (type === CLUSTER_SETTINGS_TOKEN) return this.clusterSettings.delete(id, props as never);
    if (type === PREVIEW_ENABLEMENT_TOKEN) return this.previewEnablement.delete(id, props as never);
    throw this.unknownType(urn);
  }

  /** Builds the `KubeProxyConfig` component for programs in any language. */
  async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
    if (type !== COMPONENT_TOKEN) throw new Error(`aks-kube-proxy: unknown component type ${type} (known: ${COMPONENT_TOKEN}).`);
    // Known plain values stay plain (the component shares one enablement per subscription when the subscription is a
    // plain string, and enablePreview decides which resources exist); the rest stay Outputs.
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(inputs)) {
      if (pulumi.Output.isInstance(value)) {
        const internal = value as unknown as { isKnown: Promise<boolean>; isSecret: Promise<boolean>; promise(): Promise<unknown> };
        const plain = (await internal.isKnown) && !(await internal.isSecret) ? await internal.promise() : undefined;
        args[key] = plain !== undefined && (typeof plain !== "object" || pulumi.Resource.isInstance(plain)) ? plain : value;
      } else {
        args[key] = value;
      }
    }
    if (args["subscriptionId"] === undefined && args["clusterId"] === undefined && this.defaultSubscription() !== undefined) {
      args["subscriptionId"] = this.defaultSubscription();
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the component (and azure-native) only when a program constructs it
    const { KubeProxyConfig } = require("../component") as typeof import("../component");
    const component = new KubeProxyConfig(name, args, options);
    return {
      urn: component.urn,
      state: {
        appliedSettings: component.appliedSettings,
        previousSettings: component.previousSettings,
        apiVersion: component.apiVersion,
        provisioningState: component.provisioningState,
        clusterId: component.clusterId,
        subscriptionId: component.subscriptionId,
        drift: component.drift,
        warnings: component.warnings,
        dataPlane: component.dataPlane,
      },
    };
  }
}
