import { randomBytes } from "node:crypto";
import { generate } from "selfsigned";

/** The PEMs the HTTPS server needs, plus the CA clients must trust (and its key, to sign more). */
export interface EmulatorCertificates {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

/** What {@link createCertificates} makes. */
export interface CertificateOptions {
  /** More names or IPs the server certificate is valid for (beside 127.0.0.1, ::1 and localhost). */
  hosts?: string[];
  /** The CA's subject, before a random suffix. */
  caName?: string;
  /** The server certificate's common name. */
  serverName?: string;
}

/** Key type and validity every certificate of the emulator shares: EC P-256, a minute back, a week ahead. */
export function certificateBasics(): { keyType: "ec"; curve: "P-256"; algorithm: "sha256"; notBeforeDate: Date; notAfterDate: Date } {
  return { keyType: "ec", curve: "P-256", algorithm: "sha256", notBeforeDate: new Date(Date.now() - 60_000), notAfterDate: new Date(Date.now() + 7 * 24 * 3600_000) };
}

/**
 * Generates a throw-away CA and a server certificate it signs, for 127.0.0.1, ::1 and
 * localhost. EC P-256 keys: generated in milliseconds, accepted by Node's TLS.
 */
export async function createCertificates(options: CertificateOptions = {}): Promise<EmulatorCertificates> {
  const basics = certificateBasics();
  // A unique subject per CA: OpenSSL looks issuers up by subject, so two emulators' CAs trusted
  // in one process must not share a name.
  const caName = `${options.caName ?? "aks-kube-proxy arm-emulator CA"} ${randomBytes(6).toString("hex")}`;
  const ca = await generate([{ name: "commonName", value: caName }], {
    ...basics,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const dnsNames = ["localhost", ...(options.hosts ?? []).filter((h) => !isIp(h) && h !== "localhost")];
  const ips = ["127.0.0.1", "::1", ...(options.hosts ?? []).filter((h) => isIp(h) && h !== "127.0.0.1" && h !== "::1")];
  const server = await generate([{ name: "commonName", value: options.serverName ?? "localhost" }], {
    ...basics,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [...dnsNames.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { caCert: ca.cert, caKey: ca.private, serverCert: server.cert, serverKey: server.private };
}

function isIp(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(":");
}
