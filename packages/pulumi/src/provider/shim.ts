/**
 * What Pulumi actually serializes into the state for each dynamic resource: a few lines that, at run time, load this
 * package by name from the program's directory and delegate every method to the real provider
 * ({@link createClusterSettingsProvider} or {@link createPreviewEnablementProvider}).
 *
 * Why: Pulumi serializes a dynamic provider's code with everything it captures and stores it in every resource's
 * state (`__provider`), then runs it in the `pulumi-nodejs` provider process, where `require` resolves from the
 * program's directory. Serializing the whole provider (about 40 KB, repeated per cluster) would freeze its code in the
 * state and capture whatever it references; a captured top-level import of a workspace package is even serialized
 * by value, since its real path is outside node_modules. The shim captures one string and an empty cache, and the
 * code that runs is the installed package's, so a fix in a new version reaches existing stacks.
 *
 * Contract: the exported factory names are part of the state format and must not be renamed.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";

/** Names of this package's provider factories that a shim may load. */
export type ProviderFactoryName = "createClusterSettingsProvider" | "createPreviewEnablementProvider";

/** A provider whose methods are all present. */
type FullProvider = Required<pulumi.dynamic.ResourceProvider>;

/**
 * A provider that loads `@aks-kube-proxy/pulumi` lazily and delegates to `factoryName()`'s provider.
 * @param factoryName - which provider
 */
export function createProviderShim(factoryName: ProviderFactoryName): FullProvider {
  const cache: { provider?: FullProvider } = {};
  const load = (): FullProvider => {
    if (cache.provider === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: resolved from the program's directory at run time
      const lib = require("@aks-kube-proxy/pulumi") as Record<ProviderFactoryName, () => FullProvider>;
      cache.provider = lib[factoryName]();
    }
    return cache.provider;
  };
  return {
    configure: (req) => load().configure(req),
    check: (olds, news) => load().check(olds, news),
    diff: (id, olds, news) => load().diff(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read(id, props),
    update: (id, olds, news) => load().update(id, olds, news),
    delete: (id, props) => load().delete(id, props),
  };
}
