/**
 * The admin client certificates the emulated Kubernetes CA issues (built with Node's crypto): each is signed by the
 * CA and issued by it, names CN=masterclient, O=system:masters, allows client authentication, is valid now, and
 * matches its key; two clusters get different certificates, each mapped back to its cluster, and a cluster asked
 * twice gets the same one.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { KubePki } from "../src/kube/pki";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

describe("KubePki client certificates", () => {
  let pki: KubePki;
  beforeAll(async () => {
    pki = await KubePki.create();
  });

  test("each cluster's certificate is the CA's, for masterclient in system:masters, for client auth, valid now, with its key", async () => {
    const ca = new X509Certificate(pki.caCert);
    for (const cluster of ["sub/rg/one", "sub/rg/two"]) {
      const { cert, key, fingerprint256 } = await pki.clientCertificate(cluster);
      const x = new X509Certificate(cert);
      expect(x.verify(ca.publicKey)).toBe(true);
      expect(x.checkIssued(ca)).toBe(true);
      expect(x.issuer).toBe(ca.subject);
      expect(x.subject.split("\n")).toEqual(expect.arrayContaining(["CN=masterclient", "O=system:masters"]));
      expect(x.keyUsage).toContain(CLIENT_AUTH);
      expect(x.ca).toBe(false);
      const now = Date.now();
      expect(Date.parse(x.validFrom)).toBeLessThanOrEqual(now);
      expect(Date.parse(x.validTo)).toBeGreaterThanOrEqual(now);
      expect(x.checkPrivateKey(createPrivateKey(key))).toBe(true);
      expect(fingerprint256).toBe(x.fingerprint256.toUpperCase());
    }
  });

  test("two clusters get different certificates, each mapped back to its cluster; asking twice gives the same one", async () => {
    const one = await pki.clientCertificate("sub/rg/one");
    const two = await pki.clientCertificate("sub/rg/two");
    expect(one.fingerprint256).not.toBe(two.fingerprint256);
    expect(pki.clusterOf(one.fingerprint256)).toBe("sub/rg/one");
    expect(pki.clusterOf(two.fingerprint256.toLowerCase())).toBe("sub/rg/two");
    expect(pki.clusterOf(undefined)).toBeUndefined();
    const again = await pki.clientCertificate("sub/rg/one");
    expect(again).toEqual(one);
    expect(again.cert).toBe(one.cert);
  });

  test("a certificate of another CA is not one of this PKI's", async () => {
    const other = await KubePki.create();
    const foreign = await other.clientCertificate("sub/rg/one");
    expect(new X509Certificate(foreign.cert).checkIssued(new X509Certificate(pki.caCert))).toBe(false);
    expect(pki.clusterOf(foreign.fingerprint256)).toBeUndefined();
  });
});
