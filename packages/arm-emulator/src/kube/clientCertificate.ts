/**
 * One cluster's admin client certificate (CN=masterclient, O=system:masters, as AKS issues), signed by the emulated
 * Kubernetes CA with Node's own crypto: the certificate's DER is built here (RFC 5280: version 3, a random serial,
 * ecdsa-with-SHA256, the CA's subject as issuer, basicConstraints, keyUsage and extKeyUsage clientAuth) and signed with
 * `crypto.sign`. `selfsigned` builds its ASN.1 in JavaScript, ~6 ms a certificate: for a fleet's health gates asking
 * for hundreds of clusters' credentials at once, that was the emulator's largest cost; this takes a fraction of a
 * millisecond.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

/** A DER element: tag, length, content. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  if (n > 0xffff) throw new Error(`a DER element of ${n} bytes: longer than a certificate's`);
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));

/** An OBJECT IDENTIFIER from its dotted form. */
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime (YYMMDDHHMMSSZ), as RFC 5280 asks for dates before 2050. */
function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-12-07T22:39:17.000Z
  return tlv(0x17, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, "ascii"));
}

/** The elements (whole TLVs) of a DER SEQUENCE's content. */
function elements(der: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < der.length) {
    const first = der[i + 1] ?? 0;
    let length = first;
    let header = 2;
    if (first & 0x80) {
      const count = first & 0x7f;
      length = 0;
      for (let k = 0; k < count; k++) length = length * 256 + (der[i + 2 + k] ?? 0);
      header = 2 + count;
    }
    out.push(der.subarray(i, i + header + length));
    i += header + length;
  }
  return out;
}

/** The content of a DER element (without its tag and length). */
function contentOf(element: Buffer): Buffer {
  const first = element[1] ?? 0;
  return element.subarray(first & 0x80 ? 2 + (first & 0x7f) : 2);
}

/** The subject Name (whole DER) of a certificate: the issuer of what it signs. */
function subjectOf(certificatePem: string): Buffer {
  const [certificate] = elements(new X509Certificate(certificatePem).raw);
  const [tbs] = elements(contentOf(certificate as Buffer));
  const fields = elements(contentOf(tbs as Buffer));
  // version [0], serialNumber, signature, issuer, validity, subject
  const subject = fields[(fields[0]?.[0] === 0xa0 ? 1 : 0) + 4];
  if (!subject) throw new Error("the CA certificate has no subject");
  return subject;
}

const ECDSA_WITH_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));

/** The CA as the issuer of client certificates: its subject and key, read once. */
export interface ClientCertificateIssuer {
  readonly subject: Buffer;
  readonly key: KeyObject;
}

/** Reads the CA once (its subject Name, its private key). */
export function clientCertificateIssuer(ca: { caKey: string; caCert: string }): ClientCertificateIssuer {
  return { subject: subjectOf(ca.caCert), key: createPrivateKey(ca.caKey) };
}

/** Makes a client certificate and its EC P-256 key (PEM), signed by the CA; valid from a minute ago for a week. */
export function issueClientCertificate(issuer: ClientCertificateIssuer): { cert: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // a positive INTEGER, minimally encoded
  const now = Date.now();
  const extension = (id: string, critical: boolean, value: Buffer): Buffer => sequence(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, serial),
    ECDSA_WITH_SHA256,
    issuer.subject,
    sequence(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 7 * 24 * 3600_000))),
    sequence(set(sequence(oid("2.5.4.3"), utf8("masterclient"))), set(sequence(oid("2.5.4.10"), utf8("system:masters")))),
    publicKey.export({ type: "spki", format: "der" }),
    tlv(
      0xa3,
      sequence(
        extension("2.5.29.19", false, sequence()), // basicConstraints: not a CA
        extension("2.5.29.15", true, tlv(0x03, Buffer.from([0x05, 0xa0]))), // keyUsage: digitalSignature, keyEncipherment
        extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.2"))), // extKeyUsage: clientAuth
      ),
    ),
  );
  const signature = sign("sha256", tbs, issuer.key); // ECDSA, DER-encoded
  const der = sequence(tbs, ECDSA_WITH_SHA256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return { cert: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`, key: privateKey.export({ type: "pkcs8", format: "pem" }) as string };
}
