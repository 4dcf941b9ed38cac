/**
 * Where a journal lives in Azure Blob Storage, from the URL a user passes as `--journal`. Pure.
 *
 * Two forms, the same ones Azure Storage itself answers on:
 * - `https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH` (any `ACCOUNT.blob.<suffix>` host: sovereign clouds such as
 *   `blob.core.usgovcloudapi.net` or `blob.core.chinacloudapi.cn`, and custom domains of that shape);
 * - a custom endpoint with the account as the first path segment, as Azurite and Azure Stack serve it:
 *   `http://127.0.0.1:10000/devstoreaccount1/CONTAINER/PATH`.
 * `PATH` names the rollout's folder: the shards' journals and the fleet record are blobs inside it.
 * A SAS in the URL is refused: it would end up in logs and resume commands; pass it as a separate secret instead.
 * @packageDocumentation
 */
import { ValidationError } from "@aks-kube-proxy/sdk";

/** A parsed blob journal location. */
export interface BlobJournalLocation {
  /** The blob service endpoint, without a trailing slash (`https://acct.blob.core.windows.net`, `http://127.0.0.1:10000/devstoreaccount1`). */
  readonly serviceUrl: string;
  /** The storage account. */
  readonly accountName: string;
  /** The container. */
  readonly containerName: string;
  /** The rollout's folder inside the container, without leading or trailing slashes. */
  readonly prefix: string;
  /** The URL as given, normalised (no query, no trailing slash): safe to print. */
  readonly url: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const ACCOUNT = /^[a-z0-9]{3,24}$/;
const ACCOUNT_HOST = /^([a-z0-9]{3,24})\.blob\./;

function invalid(text: string, why: string): ValidationError {
  return new ValidationError(
    `--journal ${text}: ${why}. A blob journal is https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH (or, for Azurite and other custom endpoints, http(s)://HOST:PORT/ACCOUNT/CONTAINER/PATH).`,
    [{ path: "journal", message: why, found: text }],
  );
}

/** True when `location` is an http(s) URL, i.e. a blob journal rather than a file path. */
export function isBlobJournalUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/**
 * Parses a blob journal URL.
 * @param text - the URL
 * @throws {@link ValidationError} when it is not a usable blob journal URL (with what to write instead)
 */
export function parseBlobJournalUrl(text: string): BlobJournalLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(text, "not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid(text, `unsupported scheme ${url.protocol}`);
  if (url.search !== "" || url.hash !== "") {
    // Never echo the query: it may be a SAS.
    throw new ValidationError(
      "--journal: the blob URL has a query string (a SAS?). Give the URL without it and pass a SAS in AZURE_STORAGE_SAS_TOKEN, an account key in AZURE_STORAGE_KEY, or neither to use Microsoft Entra ID.",
      [{ path: "journal", message: "query strings are not accepted" }],
    );
  }
  if (url.username !== "" || url.password !== "") throw invalid(`${url.protocol}//${url.host}${url.pathname}`, "credentials in the URL are not accepted");
  const host = url.hostname.toLowerCase();
  if (url.protocol === "http:" && !LOOPBACK.has(host)) throw invalid(text, "plain http is only accepted for a loopback emulator (Azurite); use https");
  const segments = url.pathname.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
  const accountHost = ACCOUNT_HOST.exec(host);
  let accountName: string;
  let serviceUrl: string;
  if (accountHost) {
    accountName = accountHost[1] ?? "";
    serviceUrl = `${url.protocol}//${url.host}`;
  } else {
    const first = segments.shift();
    if (first === undefined || !ACCOUNT.test(first)) throw invalid(text, "a custom endpoint needs the storage account as the first path segment");
    accountName = first;
    serviceUrl = `${url.protocol}//${url.host}/${first}`;
  }
  const containerName = segments.shift();
  if (containerName === undefined) throw invalid(text, "no container");
  if (!CONTAINER.test(containerName)) throw invalid(text, `"${containerName}" is not a valid container name (3-63 lower-case letters, digits and single hyphens)`);
  if (segments.length === 0) throw invalid(text, "no path inside the container: name the rollout's folder, e.g. .../rollouts/ipvs-2026-11");
  const prefix = segments.join("/");
  return { serviceUrl, accountName, containerName, prefix, url: `${serviceUrl}/${containerName}/${prefix}` };
}
