/**
 * Completes the provider server of `@pulumi/pulumi/provider` (3.270) for a custom-resource provider. Its `main`
 * serves a {@link https://www.pulumi.com/docs/iac/extending-pulumi/ | Provider} over gRPC, but it drops three things
 * this package needs: `Configure` never reaches the provider (so the provider's configuration — credentials,
 * endpoint — would be lost), `CheckConfig`/`DiffConfig` answer Unimplemented (the engine then cannot compare provider
 * configurations, e.g. when a stack moves from the dynamic provider), and `Diff` forwards only `changes`, `replaces`
 * and `deleteBeforeReplace`, not the field-level `detailedDiff`.
 *
 * {@link installServerAdapter} wraps the service implementation `main` registers (through grpc-js's
 * `Server.prototype.addService`, resolved from `@pulumi/pulumi`'s own dependencies) and replaces those four handlers;
 * every other handler is the SDK's own.
 *
 * This reaches into `@pulumi/pulumi`'s provider server, so that package is pinned to one exact version
 * ({@link PULUMI_NODEJS_VERSION}) and {@link serveProvider} refuses to start — a {@link ProviderServerAdapterError},
 * exit code 1 from the plugin's `main` — when the service was not completed (otherwise `Configure` would be dropped
 * silently and the provider would fall back to the environment's credentials: a write under another identity).
 * @packageDocumentation
 */
import { dirname } from "node:path";
import { PULUMI_NODEJS_VERSION } from "./packageInfo";

/** Kinds of a property change, as Pulumi's detailed diff names them. */
export type DetailedDiffKind = "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";

/** A diff with the field-level detail the engine displays. */
export interface FullDiffResult {
  /** Whether anything changes. */
  readonly changes: boolean;
  /** Top-level properties whose change replaces the resource. */
  readonly replaces?: string[];
  /** Delete the old resource before creating its replacement. */
  readonly deleteBeforeReplace?: boolean;
  /** Property path (e.g. `settings.ipvsConfig.scheduler`) → change. */
  readonly detailedDiff?: Readonly<Record<string, { readonly kind: DetailedDiffKind; readonly inputDiff: boolean }>>;
}

/** What the adapter calls on the provider besides the SDK's `Provider` methods. */
export interface AdaptedProvider {
  /** Receives the provider configuration: keys without namespace (`clientId`), values as strings. */
  configureProvider(config: Readonly<Record<string, string>>): void;
  /** The diff with its detailed part. */
  diff(id: string, urn: string, olds: unknown, news: unknown): Promise<FullDiffResult>;
}

/**
 * The provider server could not be completed: `@pulumi/pulumi`'s provider server is not the one this plugin was built
 * for (another version, or another copy of grpc-js), so `Configure` would never reach the provider. The plugin does
 * not start rather than serve with the environment's credentials.
 */
export class ProviderServerAdapterError extends Error {
  /** Stable code. */
  readonly code = "ProviderServerNotCompleted";
  /** The `@pulumi/pulumi` version found (undefined when it cannot be read). */
  readonly foundVersion: string | undefined;

  /**
   * @param reason - what did not match
   * @param foundVersion - the `@pulumi/pulumi` version loaded
   */
  constructor(reason: string, foundVersion: string | undefined) {
    super(
      `aks-kube-proxy provider: cannot complete @pulumi/pulumi's provider server (${reason}), so Configure (the provider's credentials) would be dropped; refusing to start. ` +
        `This provider is built and tested with @pulumi/pulumi ${PULUMI_NODEJS_VERSION} exactly, found ${foundVersion ?? "an unknown version"}: install @pulumi/pulumi@${PULUMI_NODEJS_VERSION}.`,
    );
    this.name = "ProviderServerAdapterError";
    this.foundVersion = foundVersion;
  }
}

/** The gRPC path of the provider service's Configure method (how the service is recognized besides identity). */
const CONFIGURE_PATH = "/pulumirpc.ResourceProvider/Configure";

/** The protobuf messages the completed handlers build. */
const REQUIRED_MESSAGES = ["ConfigureResponse", "CheckResponse", "DiffResponse", "PropertyDiff"] as const;

/** The loaded `@pulumi/pulumi`'s version (`@pulumi/pulumi/version`), or undefined. */
export function loadedPulumiVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the version module of the @pulumi/pulumi in use
    const version = (require("@pulumi/pulumi/version") as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

/** What {@link installServerAdapter} returns. */
export interface ServerAdapterHandle {
  /** True once a provider service was registered through the completed `addService`. */
  readonly completed: boolean;
  /** Puts grpc-js's own `addService` back (tests). */
  uninstall(): void;
}

const KINDS: Record<DetailedDiffKind, number> = { add: 0, "add-replace": 1, delete: 2, "delete-replace": 3, update: 4, "update-replace": 5 };

type Callback = (error: unknown, response?: unknown) => void;
type Handler = (call: { request: object }, callback: Callback) => void;

/** Calls a method of a generated protobuf message by name (the messages are untyped JavaScript). */
function m(message: unknown, name: string, ...args: unknown[]): unknown {
  const method = (message as Record<string, unknown>)[name];
  if (typeof method !== "function") throw new Error(`aks-kube-proxy provider: protobuf message has no ${name}`);
  return (method as (...a: unknown[]) => unknown).apply(message, args);
}

/* eslint-disable @typescript-eslint/no-require-imports -- the modules @pulumi/pulumi's provider server itself uses, resolved from it */
function pulumiModules(): { grpc: { Server: { prototype: { addService: (this: unknown, service: unknown, implementation: Record<string, Handler>) => unknown } } }; provrpc: Record<string, unknown>; provproto: Record<string, new () => object>} {
  // In the single-executable plugin there is no node_modules: require.resolve fails there, and the bundler has put the
  // one grpc-js that @pulumi/pulumi uses behind the literal require (scripts/release/plugin.mjs resolves it from there).
  let grpcPath: string | undefined;
  try {
    grpcPath = require.resolve("@grpc/grpc-js", { paths: [dirname(require.resolve("@pulumi/pulumi/package.json"))] });
  } catch {
    grpcPath = undefined;
  }
  return {
    grpc: grpcPath !== undefined ? require(grpcPath) : require("@grpc/grpc-js"),
    provrpc: require("@pulumi/pulumi/proto/provider_grpc_pb"),
    provproto: require("@pulumi/pulumi/proto/provider_pb"),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The configuration a `ConfigureRequest` carries: its `args` when present (keys without namespace), else its
 * `variables` (`aks-kube-proxy:config:clientId` or `aks-kube-proxy:clientId`). Non-string values become JSON.
 * @param request - the gRPC request
 * @param packageName - the provider's package name
 */
export function configFromRequest(request: object, packageName: string): Record<string, string> {
  const config: Record<string, string> = {};
  const put = (key: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    // A secret arrives wrapped ({ <sig>: <secret sig>, value }) when secrets are accepted; keep only the value.
    const v = typeof value === "object" && value !== null && "value" in value && Object.keys(value).some((k) => k.length === 32) ? (value as { value: unknown }).value : value;
    if (v === undefined || v === null) return;
    config[key] = typeof v === "string" ? v : JSON.stringify(v);
  };
  const variables = (m(request, "getVariablesMap") as { toObject(): [string, string][] }).toObject();
  for (const [key, value] of variables) put(key.replace(new RegExp(`^${packageName}:(config:)?`), ""), value);
  const args = m(request, "getArgs") as { toJavaScript(): Record<string, unknown> } | undefined;
  if (args) for (const [key, value] of Object.entries(args.toJavaScript())) put(key, value);
  return config;
}

/**
 * Makes grpc-js's `addService` complete the provider service `@pulumi/pulumi/provider`'s `main` registers. Call once,
 * before `main`.
 * @param provider - the provider, which also receives configuration and returns detailed diffs
 * @param packageName - the package name (namespace of the configuration variables)
 */
export function installServerAdapter(provider: AdaptedProvider, packageName: string): ServerAdapterHandle {
  const { grpc, provrpc, provproto } = pulumiModules();
  const missing = REQUIRED_MESSAGES.filter((name) => typeof provproto[name] !== "function");
  if (missing.length > 0) throw new ProviderServerAdapterError(`@pulumi/pulumi/proto/provider_pb has no ${missing.join(", ")}`, loadedPulumiVersion());
  const message = (name: (typeof REQUIRED_MESSAGES)[number]): object => new (provproto[name] as new () => object)();
  const isProviderService = (service: unknown): boolean =>
    service === provrpc["ResourceProviderService"] || (typeof service === "object" && service !== null && (service as { configure?: { path?: unknown } }).configure?.path === CONFIGURE_PATH);
  const state = { completed: false };
  const original = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function addService(this: unknown, service: unknown, implementation: Record<string, Handler>) {
    if (!isProviderService(service)) return original.call(this, service, implementation);
    state.completed = true;
    const completed: Record<string, Handler> = Object.create(implementation) as Record<string, Handler>;
    for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(implementation))) {
      const value = (implementation as Record<string, unknown>)[key];
      if (typeof value === "function" && key !== "constructor") completed[key] = (value as Handler).bind(implementation);
    }

    completed["configure"] = (call, callback) => {
      try {
        provider.configureProvider(configFromRequest(call.request, packageName));
        const resp = message("ConfigureResponse");
        m(resp, "setAcceptsecrets", true); // the engine requires it of plugins that construct components
        m(resp, "setAcceptresources", true);
        m(resp, "setAcceptoutputs", false);
        callback(null, resp);
      } catch (error) {
        callback(error);
      }
    };
    completed["checkConfig"] = (call, callback) => {
      try {
        const resp = message("CheckResponse");
        m(resp, "setInputs", m(call.request, "getNews"));
        callback(null, resp);
      } catch (error) {
        callback(error);
      }
    };
    completed["diffConfig"] = (call, callback) => {
      try {
        // Provider configuration is credentials and endpoints: a change never replaces a resource. Keys with a
        // namespace (the whole stack configuration a dynamic provider had) are not this provider's.
        const own = (struct: unknown): string => {
          const value = (struct as { toJavaScript(): Record<string, unknown> } | undefined)?.toJavaScript() ?? {};
          return JSON.stringify(Object.entries(value).filter(([key]) => !key.includes(":") && key !== "version").sort(([a], [b]) => a.localeCompare(b)));
        };
        const resp = message("DiffResponse");
        m(resp, "setChanges", own(m(call.request, "getOlds")) === own(m(call.request, "getNews")) ? 1 : 2); // DIFF_NONE, DIFF_SOME
        callback(null, resp);
      } catch (error) {
        callback(error);
      }
    };
    completed["diff"] = (call, callback) => {
      const req = call.request;
      let olds: unknown;
      let news: unknown;
      try {
        olds = (m(req, "getOlds") as { toJavaScript(): unknown }).toJavaScript();
        news = (m(req, "getNews") as { toJavaScript(): unknown }).toJavaScript();
      } catch (error) {
        callback(error);
        return;
      }
      provider.diff(String(m(req, "getId")), String(m(req, "getUrn")), olds, news).then(
        (result) => {
          const resp = message("DiffResponse");
          m(resp, "setChanges", result.changes ? 2 : 1);
          m(resp, "setReplacesList", [...(result.replaces ?? [])]);
          m(resp, "setDeletebeforereplace", result.deleteBeforeReplace === true);
          const detailed = result.detailedDiff ?? {};
          const topLevel = new Set(Object.keys(detailed).map((path) => path.split(/[.[]/)[0] ?? path));
          m(resp, "setDiffsList", [...topLevel].sort());
          const map = m(resp, "getDetaileddiffMap") as { set(key: string, value: unknown): void };
          for (const [path, change] of Object.entries(detailed)) {
            const diff = message("PropertyDiff");
            m(diff, "setKind", KINDS[change.kind]);
            m(diff, "setInputdiff", change.inputDiff);
            map.set(path, diff);
          }
          m(resp, "setHasdetaileddiff", true);
          callback(null, resp);
        },
        (error: unknown) => callback(error),
      );
    };
    return original.call(this, service, completed);
  };
  return {
    get completed() {
      return state.completed;
    },
    uninstall() {
      grpc.Server.prototype.addService = original;
    },
  };
}

/** `@pulumi/pulumi/provider`'s `main` (injectable for tests). */
export type ProviderMain<P extends AdaptedProvider> = (provider: P, args: string[]) => Promise<void>;

/**
 * Serves the provider: installs the adapter, starts `main` (which registers the service synchronously, before it
 * binds), and checks that the service registered was the completed one.
 * @param provider - the provider
 * @param packageName - the package name (namespace of the configuration variables)
 * @param args - the plugin's arguments (the engine's address)
 * @param main - `@pulumi/pulumi/provider`'s `main`
 * @returns `main`'s promise
 * @throws {@link ProviderServerAdapterError} when the service was not completed (the caller exits non-zero before
 *   the port is announced, so the engine reports the plugin failed to start)
 */
export function serveProvider<P extends AdaptedProvider>(provider: P, packageName: string, args: string[], main: ProviderMain<P>): Promise<void> {
  const handle = installServerAdapter(provider, packageName);
  const serving = main(provider, args);
  if (!handle.completed) {
    handle.uninstall();
    serving.catch(() => undefined);
    throw new ProviderServerAdapterError("its main registered no ResourceProvider service through the grpc-js this adapter patched", loadedPulumiVersion());
  }
  return serving;
}
