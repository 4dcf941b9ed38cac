/**
 * The emulated clusters' Kubernetes PKI: one Kubernetes CA per emulator (distinct from the ARM CA, so a client that
 * ignores the kubeconfig's certificate-authority-data fails as it would against AKS), the API server's certificate,
 * and the client certificates that admin credentials carry, each valid for one cluster only.
 */
import { X509Certificate } from "node:crypto";
import { createCertificates } from "../tls";
import { clientCertificateIssuer, issueClientCertificate, type ClientCertificateIssuer } from "./clientCertificate";

/** A client certificate and its key (PEM). */
export interface ClientCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint as Node's TLS reports it (`AA:BB:…`). */
  fingerprint256: string;
}

/** The Kubernetes CA and everything it signs. */
export class KubePki {
  private readonly issued = new Map<string, string>();
  private readonly byCluster = new Map<string, Promise<ClientCertificate>>();
  /** The CA as issuer (its subject and key), read on first use. */
  private issuer: ClientCertificateIssuer | undefined;

  private constructor(
    readonly caCert: string,
    private readonly caKey: string,
    readonly serverCert: string,
    readonly serverKey: string,
  ) {}

  /** Makes the CA and the API server's certificate (SANs 127.0.0.1, ::1, localhost, the in-cluster names and `hosts`). */
  static async create(hosts: string[] = []): Promise<KubePki> {
    const certs = await createCertificates({
      hosts: ["kubernetes", "kubernetes.default.svc", ...hosts],
      caName: "aks-kube-proxy emulated Kubernetes CA",
      serverName: "apiserver",
    });
    return new KubePki(certs.caCert, certs.caKey, certs.serverCert, certs.serverKey);
  }

  /** The admin client certificate of a cluster (CN=masterclient, O=system:masters, as AKS issues), made once. */
  clientCertificate(clusterKey: string): Promise<ClientCertificate> {
    let pending = this.byCluster.get(clusterKey);
    if (!pending) {
      pending = this.issue(clusterKey);
      this.byCluster.set(clusterKey, pending);
      pending.catch(() => this.byCluster.delete(clusterKey));
    }
    return pending;
  }

  /** The cluster a presented client certificate was issued for (undefined: not one of ours). */
  clusterOf(fingerprint256: string | undefined): string | undefined {
    return fingerprint256 ? this.issued.get(fingerprint256.toUpperCase()) : undefined;
  }

  private async issue(clusterKey: string): Promise<ClientCertificate> {
    this.issuer ??= clientCertificateIssuer({ caKey: this.caKey, caCert: this.caCert });
    const client = issueClientCertificate(this.issuer);
    const fingerprint256 = new X509Certificate(client.cert).fingerprint256.toUpperCase();
    this.issued.set(fingerprint256, clusterKey);
    return { cert: client.cert, key: client.key, fingerprint256 };
  }
}
