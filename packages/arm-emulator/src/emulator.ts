/**
 * startEmulator: certificates, state, the HTTPS server, and the handle tests and tools use.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TokenAuthority } from "./auth";
import { createControl } from "./control";
import { checkAksThrottling, checkClusterSeed, checkFeatureRef, checkNumber, checkThrottling, checkTimings } from "./controlValues";
import { FaultRegistry } from "./faults";
import { newGuid } from "./ids";
import { RequestLog } from "./log";
import { normalizeSubscriptionSeeds, readSeedFile } from "./seedFile";
import { serverLimits } from "./http";
import { handleRequest } from "./server";
import { EmulatorStore } from "./state/store";
import { Throttler } from "./throttle";
import { AksThrottler } from "./aksThrottle";
import { createCertificates } from "./tls";
import { KubeFaultRegistry } from "./kube/faults";
import { DEFAULT_KUBE_PROXY_ROLLOUT_PER_NODE_MS, KubeModel } from "./kube/model";
import { KubePki } from "./kube/pki";
import { KubeRuntime } from "./kube/runtime";
import { KubeListeners } from "./kube/listeners";
import { DEFAULT_MAX_WATCHES } from "./kube/server";
import { DEFAULT_SUBSCRIPTION_ID, type EmulatorTimings, type LoggedRequest, type RunningEmulator, type StartEmulatorOptions } from "./types";

/** Library defaults: fast, for tests. */
export const DEFAULT_TIMINGS: EmulatorTimings = {
  featureRegistrationMs: 30,
  providerRegistrationMs: 20,
  operationMs: 40,
  retryAfterSeconds: 0,
  kubeProxyRolloutPerNodeMs: DEFAULT_KUBE_PROXY_ROLLOUT_PER_NODE_MS,
};

/** Options only the bin uses. */
export interface InternalStartOptions {
  /** Timings under those of the seed file and `timings` (the bin's demo timings). */
  baseTimings?: Partial<EmulatorTimings>;
  /** The emulator's clock (tests and the replay freeze and advance it). @default Date.now */
  clock?: () => number;
  /** Called with each (redacted) log entry. */
  onRequest?: (entry: LoggedRequest) => void;
  /** Fixed credentials (the bin prints them); random when absent. */
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Most open Kubernetes watches (tests lower it). @default 256 */
  kubeMaxWatches?: number;
}

/**
 * Starts an emulator on a loopback port (a free one unless `port` is given).
 * Resolves when it is listening.
 */
export async function startEmulator(options: StartEmulatorOptions & InternalStartOptions = {}): Promise<RunningEmulator> {
  const fromFile = options.seedFile ? await readSeedFile(options.seedFile) : {};
  const subscriptionSeeds = normalizeSubscriptionSeeds(options.subscriptions ?? fromFile.subscriptions ?? [DEFAULT_SUBSCRIPTION_ID]);
  const subscriptions = subscriptionSeeds.map((s) => s.subscriptionId);
  const timings: EmulatorTimings = { ...DEFAULT_TIMINGS, ...(options.baseTimings ?? {}), ...(fromFile.timings ?? {}), ...(options.timings ?? {}) };
  const throttling = options.throttling !== undefined ? options.throttling : fromFile.throttling;
  checkTimings(timings, Object.keys(DEFAULT_TIMINGS));
  checkThrottling(throttling);
  for (const seed of [...(fromFile.clusters ?? []), ...(options.clusters ?? [])]) checkClusterSeed(seed);
  for (const ref of [...(fromFile.registeredFeatures ?? []), ...(options.registeredFeatures ?? [])]) checkFeatureRef(ref);
  const listPageSize = checkNumber("listPageSize", options.listPageSize ?? fromFile.listPageSize ?? 100, { min: 1, max: 100_000, integer: true, what: "a page size" });
  const host = options.host ?? "127.0.0.1";
  const tenantId = options.tenantId ?? newGuid();
  const clientId = options.clientId ?? newGuid();
  const clientSecret = options.clientSecret ?? randomBytes(24).toString("base64url");

  const certificates = await createCertificates({ hosts: [host] });
  const store = new EmulatorStore(tenantId, timings, {
    subscriptions: subscriptionSeeds,
    clusters: [...(fromFile.clusters ?? []), ...(options.clusters ?? [])],
    registeredFeatures: [...(fromFile.registeredFeatures ?? []), ...(options.registeredFeatures ?? [])],
    approvalRequiredFeatures: [...(fromFile.approvalRequiredFeatures ?? []), ...(options.approvalRequiredFeatures ?? [])],
  }, options.clock);
  store.disabledKubeProxyReadsAsEmpty = options.disabledKubeProxyReadsAsEmpty ?? false;
  const faults = new FaultRegistry();
  const log = new RequestLog(options.requestLogLimit ?? 100_000);
  const throttler = new Throttler(throttling);
  const aksThrottling = options.aksThrottling !== undefined ? options.aksThrottling : fromFile.aksThrottling;
  checkAksThrottling(aksThrottling);
  const aksThrottler = new AksThrottler(aksThrottling);
  const kubeFaults = new KubeFaultRegistry(() => store.defaultSubscriptionId());
  const initialKubeFaults = [...(fromFile.kubeFaults ?? []), ...(options.kubeFaults ?? [])];
  for (const fault of initialKubeFaults) kubeFaults.add(fault);
  const kubeModel = new KubeModel(store, kubeFaults);
  kubeModel.attach();
  const kube = new KubeRuntime(await KubePki.create([host]), kubeModel, kubeFaults, tenantId);
  const control = createControl({ store, faults, log, throttler, aksThrottler, initialTimings: { ...timings }, initialThrottling: throttling, initialAksThrottling: aksThrottling, kube, initialKubeFaults });

  const runtime: { baseUrl: string; authority?: TokenAuthority } = { baseUrl: "" };
  const stopping = new AbortController();
  const sockets = new Set<Socket>();
  const server = createServer({ key: certificates.serverKey, cert: certificates.serverCert, ...serverLimits() }, (req, res) => {
    void handleRequest(
      {
        baseUrl: () => runtime.baseUrl,
        store,
        faults,
        log,
        throttler,
        aksThrottler,
        authority: () => {
          if (!runtime.authority) throw new Error("emulator not started");
          return runtime.authority;
        },
        control,
        info: () => ({ url: runtime.baseUrl, tenantId, clientId, subscriptionId: subscriptions[0] ?? DEFAULT_SUBSCRIPTION_ID, caPath }),
        listPageSize,
        onRequest: options.onRequest,
        stopSignal: stopping.signal,
        kube,
      },
      req,
      res,
    );
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", () => {
    /* a client that does not trust the CA hangs up; nothing to do */
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  if (!isLoopbackHost(host)) {
    // Loud on purpose: the control API has no authentication and the client secret is served to anyone who asks.
    const warning = {
      code: "ARM_EMULATOR_NOT_LOOPBACK",
      message: `arm-emulator is listening on ${host}, beyond loopback: anyone who can reach it can read its request log, change its clusters and faults through /_emulator/ (no authentication), and get tokens with its client secret. Use 127.0.0.1 unless you really mean it.`,
    };
    if (options.onWarning) options.onWarning(warning);
    else process.emitWarning(warning.message, { code: warning.code });
  }
  // The emulated clusters' Kubernetes API servers (kube/listeners.ts).
  const kubeListeners = new KubeListeners(
    host,
    kube.pki,
    {
      store,
      kube,
      authority: () => {
        if (!runtime.authority) throw new Error("emulator not started");
        return runtime.authority;
      },
      log,
      onRequest: options.onRequest,
      stopSignal: stopping.signal,
      watches: { open: 0, max: options.kubeMaxWatches ?? DEFAULT_MAX_WATCHES },
    },
    sockets,
  );
  kube.url = await kubeListeners.openShared();
  kube.openEndpoint = (key) => kubeListeners.forCluster(key);
  const address = server.address() as AddressInfo;
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  const baseUrl = `https://${hostInUrl}:${address.port}`;
  runtime.baseUrl = baseUrl;
  runtime.authority = new TokenAuthority(baseUrl, tenantId, clientId, clientSecret);

  const dir = await mkdtemp(join(tmpdir(), "arm-emulator-"));
  const caPath = join(dir, "ca.pem");
  await writeFile(caPath, certificates.caCert, { mode: 0o644 });
  const subscriptionId = subscriptions[0] ?? DEFAULT_SUBSCRIPTION_ID;

  let stopped: Promise<void> | undefined;
  return {
    url: baseUrl,
    ca: certificates.caCert,
    caPath,
    tenantId,
    clientId,
    clientSecret,
    subscriptionId,
    env: {
      AZURE_TENANT_ID: tenantId,
      AZURE_CLIENT_ID: clientId,
      AZURE_CLIENT_SECRET: clientSecret,
      AZURE_AUTHORITY_HOST: baseUrl,
      AZURE_SUBSCRIPTION_ID: subscriptionId,
      NODE_EXTRA_CA_CERTS: caPath,
    },
    kubeUrl: kube.url,
    kubeCa: kube.pki.caCert,
    control,
    stop() {
      stopping.abort();
      stopped ??= new Promise<void>((resolve) => {
        const closing = kubeListeners.closeAll();
        server.close(() => void closing.then(() => resolve()));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }).then(() => rm(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/**
 * True for loopback addresses and names (127.0.0.0/8, ::1, localhost).
 * @internal
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "::ffff:127.0.0.1";
}
