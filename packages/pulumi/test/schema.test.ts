import { buildSchema, PROVIDER_CONFIG_KEYS, SECRET_CONFIG_KEYS } from "../src/provider/schema";

type Spec = { description?: string; properties?: Record<string, Spec>; inputProperties?: Record<string, Spec>; enum?: { value: string }[] };

/** Every property of a type or resource, with its path. */
function propertiesOf(name: string, spec: Spec): [string, Spec][] {
  return [...Object.entries(spec.properties ?? {}), ...Object.entries(spec.inputProperties ?? {})].map(([key, p]) => [`${name}.${key}`, p]);
}

describe("the provider's schema", () => {
  const schema = buildSchema("1.2.3") as { version: string; types: Record<string, Spec>; resources: Record<string, Spec>; provider: Spec; config: { variables: Record<string, Spec & { secret?: boolean }> } };

  test("carries the package version", () => {
    expect(schema.version).toBe("1.2.3");
  });

  test("names the plugin's download URL from package.json's pulumi.server, the one place it is configured", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const manifest = require("../package.json") as { version: string; pulumi: { server: string } };
    expect(manifest.pulumi.server).toMatch(/^github:\/\/api\.github\.com\/[^/]+\/[^/]+$/);
    expect((schema as unknown as { pluginDownloadURL: string }).pluginDownloadURL).toBe(manifest.pulumi.server);
    expect((buildSchema("1.2.3", "https://example.test/plugins") as { pluginDownloadURL: string }).pluginDownloadURL).toBe("https://example.test/plugins");
  });

  test("describes every type, resource and property", () => {
    const undocumented: string[] = [];
    for (const [name, spec] of [...Object.entries(schema.types), ...Object.entries(schema.resources), ["provider", schema.provider] as const]) {
      if (!spec.description) undocumented.push(name);
      for (const [path, p] of propertiesOf(name, spec)) if (!p.description) undocumented.push(path);
    }
    expect(undocumented).toEqual([]);
  });

  test("mode and scheduler are enums of the API's values", () => {
    expect(schema.types["aks-kube-proxy:index:Mode"]?.enum?.map((e) => e.value)).toEqual(["IPTABLES", "IPVS", "NFTABLES"]);
    expect(schema.types["aks-kube-proxy:index:IpvsScheduler"]?.enum?.map((e) => e.value)).toEqual(["RoundRobin", "LeastConnection"]);
  });

  test("the configuration uses azure-native's key names, with the client secret as a secret", () => {
    expect(PROVIDER_CONFIG_KEYS).toEqual(expect.arrayContaining(["clientId", "tenantId", "clientSecret", "useOidc", "subscriptionId", "endpoint"]));
    expect(SECRET_CONFIG_KEYS).toContain("clientSecret");
    expect(schema.config.variables["clientSecret"]?.secret).toBe(true);
  });
});
