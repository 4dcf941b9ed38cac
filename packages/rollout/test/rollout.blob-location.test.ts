/**
 * Blob journal URLs (`--journal`): the Azure form, sovereign clouds, Azurite's path-style endpoint; everything else is
 * refused with what to write instead, and a SAS in the URL is refused without being echoed.
 */
import { isBlobJournalUrl, journalStoreFor, parseBlobJournalUrl } from "../src/index";

describe("blob journal URLs", () => {
  test("the account-host form: account from the host, then container and the rollout's folder", () => {
    expect(parseBlobJournalUrl("https://myacct.blob.core.windows.net/rollouts/ipvs/2026-11/")).toEqual({
      serviceUrl: "https://myacct.blob.core.windows.net",
      accountName: "myacct",
      containerName: "rollouts",
      prefix: "ipvs/2026-11",
      url: "https://myacct.blob.core.windows.net/rollouts/ipvs/2026-11",
    });
    expect(parseBlobJournalUrl("https://gov1.blob.core.usgovcloudapi.net/c01/x")).toMatchObject({ accountName: "gov1", serviceUrl: "https://gov1.blob.core.usgovcloudapi.net" });
    expect(parseBlobJournalUrl("https://cn1.blob.core.chinacloudapi.cn/c01/x")).toMatchObject({ accountName: "cn1", containerName: "c01", prefix: "x" });
  });

  test("a custom endpoint (Azurite) carries the account as the first path segment; plain http only on loopback", () => {
    expect(parseBlobJournalUrl("http://127.0.0.1:10000/devstoreaccount1/rollouts/r1")).toEqual({
      serviceUrl: "http://127.0.0.1:10000/devstoreaccount1",
      accountName: "devstoreaccount1",
      containerName: "rollouts",
      prefix: "r1",
      url: "http://127.0.0.1:10000/devstoreaccount1/rollouts/r1",
    });
    expect(() => parseBlobJournalUrl("http://storage.example.com/acct1/rollouts/r1")).toThrow(/plain http is only accepted for a loopback emulator/);
    expect(parseBlobJournalUrl("https://stack.example.com/acct1/rollouts/r1")).toMatchObject({ accountName: "acct1", serviceUrl: "https://stack.example.com/acct1" });
  });

  test.each([
    ["https://myacct.blob.core.windows.net/rollouts", /no path inside the container/],
    ["https://myacct.blob.core.windows.net/", /no container/],
    ["https://myacct.blob.core.windows.net/Bad_Name/x", /not a valid container name/],
    ["https://example.com/", /storage account as the first path segment/],
    ["https://user:pw@myacct.blob.core.windows.net/c01/x", /credentials in the URL/],
  ])("%s is refused with what to write instead", (url, message) => {
    expect(() => parseBlobJournalUrl(url)).toThrow(message);
    expect(() => parseBlobJournalUrl(url)).toThrow(/ACCOUNT\.blob\.core\.windows\.net\/CONTAINER\/PATH/);
  });

  test("a SAS in the URL is refused, and not repeated in the message", () => {
    const error = (() => {
      try {
        parseBlobJournalUrl("https://myacct.blob.core.windows.net/c01/x?sv=2025-01-01&sig=TOPSECRET");
      } catch (e) {
        return e as Error & { code: string };
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: "ValidationError" });
    expect(error?.message).toMatch(/AZURE_STORAGE_SAS_TOKEN/);
    expect(JSON.stringify(error)).not.toContain("TOPSECRET");
    expect(error?.message).not.toContain("TOPSECRET");
  });

  test("journalStoreFor: an http(s) URL is a blob store (which needs a credential), anything else a file", () => {
    expect(isBlobJournalUrl("journals/rollout.journal.json")).toBe(false);
    expect(journalStoreFor("journals/rollout.journal.json").kind).toBe("file");
    expect(() => journalStoreFor("https://myacct.blob.core.windows.net/c01/x")).toThrow(/no credential for Azure Storage/);
    const store = journalStoreFor("https://myacct.blob.core.windows.net/c01/x", { blob: { accountKey: Buffer.from("k").toString("base64") } });
    expect(store).toMatchObject({ kind: "blob", location: "https://myacct.blob.core.windows.net/c01/x" });
    expect(() => journalStoreFor("https://myacct.blob.core.windows.net/c01/x", { blob: { accountKey: "a2V5", leaseDurationInSeconds: 90 } })).toThrow(/15 to 60/);
    const token = { getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };
    expect(() => journalStoreFor("http://127.0.0.1:10000/devstoreaccount1/c01/x", { blob: { credential: token } })).toThrow(/only sent over https.*AZURE_STORAGE_KEY/);
    expect(journalStoreFor("http://127.0.0.1:10000/devstoreaccount1/c01/x", { blob: { accountKey: "a2V5" } }).kind).toBe("blob");
  });
});
