/**
 * The server adapter that completes `@pulumi/pulumi/provider`'s gRPC server: Configure reaches the provider over a
 * real gRPC call on loopback, and a provider server it cannot complete (another @pulumi/pulumi) stops the plugin at
 * start with a typed error naming the pinned version, instead of serving with the environment's credentials.
 */
import { dirname } from "node:path";
import { PULUMI_NODEJS_VERSION } from "../src/provider/packageInfo";
import { ProviderServerAdapterError, serveProvider, type AdaptedProvider } from "../src/provider/serverAdapter";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any -- the untyped modules @pulumi/pulumi's server uses */
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [dirname(require.resolve("@pulumi/pulumi/package.json"))] })) as any;
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as any;
const provproto = require("@pulumi/pulumi/proto/provider_pb") as any;
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */

/** A provider that records the configuration it receives. */
function recordingProvider(): AdaptedProvider & { configs: Record<string, string>[] } {
  const configs: Record<string, string>[] = [];
  return {
    configs,
    configureProvider: (config) => {
      configs.push({ ...config });
    },
    diff: async () => ({ changes: false }),
  };
}

test("a provider server it cannot complete stops the plugin at start with a typed error naming the pinned @pulumi/pulumi", () => {
  // What a @pulumi/pulumi upgrade could do: register the provider service under another definition (or through
  // another grpc-js), which the adapter does not recognize.
  const renamed = { configure: { ...provrpc.ResourceProviderService.configure, path: "/pulumirpc.ResourceProviderV2/Configure" } };
  const servers: { forceShutdown(): void }[] = [];
  const grpcAddService = grpc.Server.prototype.addService;
  const upgradedMain = async (): Promise<void> => {
    const server = new grpc.Server();
    servers.push(server);
    server.addService(renamed, { configure: () => undefined });
  };
  let thrown: unknown;
  try {
    void serveProvider(recordingProvider(), "aks-kube-proxy", [], upgradedMain);
  } catch (error) {
    thrown = error;
  }
  for (const server of servers) server.forceShutdown();
  expect(thrown).toBeInstanceOf(ProviderServerAdapterError);
  const error = thrown as ProviderServerAdapterError;
  expect(error.code).toBe("ProviderServerNotCompleted");
  expect(error.message).toContain(`@pulumi/pulumi ${PULUMI_NODEJS_VERSION} exactly`);
  expect(error.message).toContain(`install @pulumi/pulumi@${PULUMI_NODEJS_VERSION}`);
  expect(error.message).toMatch(/Configure .* would be dropped; refusing to start/);
  // The adapter took itself out again: a later server gets grpc-js's own addService.
  expect(grpc.Server.prototype.addService).toBe(grpcAddService);
});

test("Configure sent over gRPC reaches the provider with the namespace stripped, and the response accepts secrets", async () => {
  const provider = recordingProvider();
  let server: { forceShutdown(): void } | undefined;
  let port = 0;
  const grpcAddService = grpc.Server.prototype.addService;
  const sdkLikeMain = async (): Promise<void> => {
    const s = new grpc.Server();
    server = s;
    // The SDK's implementation would drop Configure: the adapter must replace it.
    s.addService(provrpc.ResourceProviderService, { configure: (_call: unknown, callback: (e: unknown, r?: unknown) => void) => callback(null, new provproto.ConfigureResponse()) });
    port = await new Promise<number>((resolve, reject) => s.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e: Error | null, p: number) => (e ? reject(e) : resolve(p))));
  };
  const serving = serveProvider(provider, "aks-kube-proxy", [], sdkLikeMain);
  try {
    await serving;
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const request = new provproto.ConfigureRequest();
    request.getVariablesMap().set("aks-kube-proxy:config:clientId", "client-from-configure");
    request.getVariablesMap().set("aks-kube-proxy:config:tenantId", "tenant-from-configure");
    const response = await new Promise<{ getAcceptsecrets(): boolean }>((resolve, reject) => client.configure(request, (e: Error | null, r: { getAcceptsecrets(): boolean }) => (e ? reject(e) : resolve(r))));
    client.close();
    expect(provider.configs).toEqual([{ clientId: "client-from-configure", tenantId: "tenant-from-configure" }]);
    expect(response.getAcceptsecrets()).toBe(true);
  } finally {
    server?.forceShutdown();
    grpc.Server.prototype.addService = grpcAddService;
  }
});
