/**
 * Azurite (Microsoft's Azure Storage emulator, the `azurite` devDependency) for the blob journal tests: started on
 * loopback over HTTPS with `--oauth basic`, so the SDK authenticates with real Microsoft Entra tokens that the ARM
 * emulator's token endpoint issues (audience https://storage.azure.com, issuer https://sts.windows.net/<tenant>/);
 * Azurite's basic OAuth checks audience, issuer and lifetime, not the signature. Its data lives in a folder, so a
 * restart (stop, start on the same port) keeps every blob and lease. `--skipApiVersionCheck`: @azure/storage-blob 12.34
 * sends x-ms-version 2026-10-06, newer than Azurite 3.37 knows.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { generate } from "selfsigned";
import { trustCa } from "./emulator";

/** Azurite's blob service entry point (its package's `azurite-blob` bin). */
const BIN = join(dirname(require.resolve("azurite/package.json")), "dist", "src", "blob", "main.js");

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = "devstoreaccount1";

/** A running Azurite blob service. */
export interface RunningAzurite {
  /** `https://127.0.0.1:PORT/devstoreaccount1` */
  readonly serviceUrl: string;
  /** Its certificate (trusted in this process); write it to a file for NODE_EXTRA_CA_CERTS in child processes. */
  readonly certPem: string;
  /** A file holding {@link RunningAzurite.certPem}. */
  readonly certPath: string;
  /** Stops it gracefully (it saves its data). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts Azurite's blob service (HTTPS, OAuth basic, data in a temporary folder). */
export async function startAzurite(): Promise<RunningAzurite> {
  const dir = mkdtempSync(join(tmpdir(), "azurite-"));
  // A unique subject: OpenSSL looks issuers up by subject, so two Azurite certificates trusted in one process (two test
  // files in one jest worker) must not share a name, or the second fails as "self-signed certificate".
  const cert = await generate([{ name: "commonName", value: `azurite ${randomBytes(6).toString("hex")}` }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] }],
  });
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  writeFileSync(certPath, cert.cert);
  writeFileSync(keyPath, cert.private);
  trustCa(cert.cert);
  const port = await freePort();
  const data = join(dir, "data");
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = ["--blobHost", "127.0.0.1", "--blobPort", String(port), "--location", data, "--cert", certPath, "--key", keyPath, "--oauth", "basic", "--disableTelemetry", "--silent", "--skipApiVersionCheck"];
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`azurite did not start in 20 s:\n${output}`)), 20_000);
      const onData = (d: Buffer): void => {
        output += d.toString();
        if (/successfully listens/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout?.on("data", onData);
      c.stderr?.on("data", onData);
      c.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`azurite exited (${code}) before listening:\n${output}`));
      });
    });
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
    });
  };

  await start();
  return { serviceUrl: `https://127.0.0.1:${port}/${AZURITE_ACCOUNT}`, certPem: cert.cert, certPath, stop, start };
}
