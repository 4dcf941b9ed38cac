/**
 * The HTTPS listeners of the emulated API servers, all with the Kubernetes CA's certificate and asking for (not
 * requiring) client certificates: one per cluster, opened when its first kubeconfig is handed out (the kubeconfig's
 * `server: https://127.0.0.1:<port>`, no path, so every client — `kubectl get --raw` included — works unchanged), and
 * one shared listener that reaches any cluster as `/clusters/<fqdn>/…`.
 */
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { KubePki } from "./pki";
import { handleKubeRequest, type KubeServerDeps } from "./server";

/** Opens and closes the listeners. */
export class KubeListeners {
  private readonly servers: Server[] = [];
  private readonly perCluster = new Map<string, Promise<string>>();

  constructor(
    private readonly host: string,
    private readonly pki: KubePki,
    private readonly deps: KubeServerDeps,
    /** Sockets the emulator destroys when it stops. */
    private readonly sockets: Set<Socket>,
  ) {}

  /** Opens the shared listener (`/clusters/<fqdn>` prefix); resolves with its URL. */
  openShared(): Promise<string> {
    return this.open(undefined);
  }

  /** The URL of a cluster's own listener, opened on first use (one per data-plane key, kept until the emulator stops). */
  forCluster(key: string): Promise<string> {
    let url = this.perCluster.get(key);
    if (!url) {
      url = this.open(key);
      this.perCluster.set(key, url);
      url.catch(() => this.perCluster.delete(key));
    }
    return url;
  }

  /** Closes every listener. */
  async closeAll(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private async open(clusterKey: string | undefined): Promise<string> {
    const server = createServer({ key: this.pki.serverKey, cert: this.pki.serverCert, ca: [this.pki.caCert], requestCert: true, rejectUnauthorized: false }, (req, res) =>
      handleKubeRequest(this.deps, req, res, clusterKey),
    );
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    server.on("tlsClientError", () => {
      /* a client that does not trust the Kubernetes CA hangs up */
    });
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const hostInUrl = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `https://${hostInUrl}:${(server.address() as AddressInfo).port}`;
  }
}
