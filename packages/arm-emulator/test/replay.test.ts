/**
 * Replay conformance: the ARM traffic recorded against live Azure (vcrpy cassettes in
 * /work/shared/recordings) is sent to the emulator in order. Status codes, the headers clients
 * act on, JSON shapes (property names and types), state values and kubeProxyConfig must match
 * what Azure answered. Where they disagree, the emulator is wrong.
 *
 * The emulator's clock is frozen during a replay and moved past the operation time only when
 * the recording shows an operation finished, so every recorded InProgress poll is reproduced.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ClientSecretCredential } from "@azure/identity";
import { startEmulator } from "../src/emulator";
import type { RunningEmulator } from "../src/index";
import { armRequest, trustCa, type RawAnswer, type TestEmulator } from "./support";

const RECORDINGS = "/work/shared/recordings";
const RECORDED_HOST = "https://management.azure.com";
const OPERATION_MS = 1000;
const GUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** Values that must be equal, not just of the same type. */
const STATE_KEYS = new Set(["provisioningState", "registrationState", "state", "status"]);
/** Request headers not replayed (transport, or replaced by ours). */
const DROPPED_REQUEST_HEADERS = new Set(["authorization", "content-length", "accept-encoding", "connection", "host", "user-agent"]);
/** Response headers clients act on: checked for presence where recorded. */
const ACTIONABLE_HEADERS = ["azure-asyncoperation", "location", "retry-after", "x-ms-ratelimit-remaining-subscription-writes", "x-ms-ratelimit-remaining-subscription-deletes", "x-ms-ratelimit-remaining-subscription-reads"];

interface Interaction {
  request: { method: string; uri: string; body: string | null; headers: Record<string, string[]> };
  response: { status: { code: number }; headers: Record<string, string[]>; body: { string: string } };
}

function cassettes(): { name: string; file: string }[] {
  if (!existsSync(RECORDINGS)) return [];
  return readdirSync(RECORDINGS)
    .flatMap((dir) => (existsSync(join(RECORDINGS, dir)) ? readdirSync(join(RECORDINGS, dir)).filter((f) => f.endsWith(".yaml")).map((f) => ({ name: `${dir}/${f}`, file: join(RECORDINGS, dir, f) })) : []))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function lowerKeys(h: Record<string, string[]> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(", ") : String(v)]));
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/** Collects every way `actual` differs from `recorded` in shape, state values and kubeProxyConfig. */
function compareShapes(recorded: unknown, actual: unknown, path: string, out: string[]): void {
  if (path.endsWith(".kubeProxyConfig")) {
    if (JSON.stringify(sortKeys(recorded)) !== JSON.stringify(sortKeys(actual))) out.push(`${path}: recorded ${JSON.stringify(recorded)}, emulator ${JSON.stringify(actual)}`);
    return;
  }
  if (typeOf(recorded) !== typeOf(actual)) {
    out.push(`${path}: recorded ${typeOf(recorded)}, emulator ${typeOf(actual)}`);
    return;
  }
  const key = path.split(".").pop() ?? "";
  if (STATE_KEYS.has(key) && recorded !== actual) out.push(`${path}: recorded ${JSON.stringify(recorded)}, emulator ${JSON.stringify(actual)}`);
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    if (recorded.length > 0 && actual.length === 0) out.push(`${path}: recorded a non-empty array, emulator an empty one`);
    if (recorded.length > 0 && actual.length > 0) compareShapes(recorded[0], actual[0], `${path}[0]`, out);
    return;
  }
  if (typeOf(recorded) === "object") {
    const a = actual as Record<string, unknown>;
    for (const [k, v] of Object.entries(recorded as Record<string, unknown>)) {
      if (!(k in a)) out.push(`${path}.${k}: missing in the emulator's answer`);
      else compareShapes(v, a[k], `${path}.${k}`, out);
    }
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

function swapName(id: string): string {
  const [a = "", b = "", c = "", ...rest] = id.split("-");
  const swap = (h: string) => (h.match(/../g) ?? []).reverse().join("");
  return [swap(a), swap(b), swap(c), ...rest].join("-");
}

/** Context a recording assumes existed before it started (derived from the recording itself). */
function setupFor(interactions: Interaction[]): { registeredFeatures: { namespace: string; name: string }[]; approvalRequired: string[]; unregisteredProviders: string[]; resourceGroups: { name: string; body: unknown }[] } {
  const registeredFeatures: { namespace: string; name: string }[] = [];
  const approvalRequired: string[] = [];
  const unregisteredProviders: string[] = [];
  const resourceGroups: { name: string; body: unknown }[] = [];
  for (const it of interactions) {
    const path = new URL(it.request.uri).pathname;
    const body = parseJson(it.response.body.string) as Record<string, unknown> | undefined;
    const feature = /\/providers\/Microsoft\.Features\/providers\/([^/]+)\/features\/([^/]+)\/(register|unregister)$/i.exec(path);
    const state = (body?.properties as { state?: string } | undefined)?.state;
    if (feature && feature[3] === "unregister" && state === "Unregistering") registeredFeatures.push({ namespace: feature[1]!, name: feature[2]! });
    if (feature && feature[3] === "register" && state === "Pending") approvalRequired.push(feature[2]!);
    const provider = /^\/subscriptions\/[^/]+\/providers\/([^/]+)$/i.exec(path);
    if (provider && it.request.method === "GET" && body?.registrationState === "Unregistered" && !unregisteredProviders.includes(provider[1]!)) unregisteredProviders.push(provider[1]!);
    const rg = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)$/i.exec(path);
    if (rg && it.request.method === "GET" && it.response.status.code === 200) resourceGroups.push({ name: rg[1]!, body: { location: body?.location, tags: body?.tags } });
  }
  return { registeredFeatures, approvalRequired, unregisteredProviders, resourceGroups };
}

async function replay(file: string): Promise<{ problems: string[]; count: number }> {
  const doc = parse(readFileSync(file, "utf8")) as { interactions: Interaction[] };
  const interactions = doc.interactions;
  const setup = setupFor(interactions);
  let nowMs = Date.now();
  const em: RunningEmulator = await startEmulator({
    clock: () => nowMs,
    timings: { operationMs: OPERATION_MS, featureRegistrationMs: OPERATION_MS, providerRegistrationMs: OPERATION_MS, retryAfterSeconds: 0 },
    registeredFeatures: setup.registeredFeatures,
    approvalRequiredFeatures: setup.approvalRequired,
  });
  trustCa(em.ca);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.url, disableInstanceDiscovery: true });
  const t = { em, credential } as unknown as TestEmulator;
  const problems: string[] = [];
  const operationIds = new Map<string, string>();
  try {
    // Context the recording assumes: providers unregistered before it, resource groups created by the test harness.
    for (const ns of setup.unregisteredProviders) {
      await armRequest(t, { method: "POST", path: `/subscriptions/${em.subscriptionId}/providers/${ns}/unregister?api-version=2021-04-01` });
      nowMs += OPERATION_MS + 1;
    }
    for (const rg of setup.resourceGroups) {
      await armRequest(t, { method: "PUT", path: `/subscriptions/${em.subscriptionId}/resourcegroups/${rg.name}?api-version=2021-04-01`, body: rg.body });
    }
    for (const [i, it] of interactions.entries()) {
      const where = `#${i} ${it.request.method} ${new URL(it.request.uri).pathname}`;
      let uri = it.request.uri.replace(RECORDED_HOST, "");
      for (const [recordedId, ourId] of operationIds) uri = uri.replace(recordedId, ourId);
      const recordedBody = parseJson(it.response.body.string);
      // A poll whose recorded answer is terminal: let the operation finish first.
      if (/\/operations\//i.test(uri) && typeof (recordedBody as { status?: string } | undefined)?.status === "string" && (recordedBody as { status: string }).status !== "InProgress") {
        nowMs += OPERATION_MS + 1;
      }
      const headers = Object.fromEntries(Object.entries(lowerKeys(it.request.headers)).filter(([k]) => !DROPPED_REQUEST_HEADERS.has(k)));
      const answer: RawAnswer = await armRequest(t, { method: it.request.method, path: uri, headers, body: it.request.body ?? undefined });

      if (answer.status !== it.response.status.code) problems.push(`${where}: status recorded ${it.response.status.code}, emulator ${answer.status}: ${answer.text.slice(0, 300)}`);
      const recordedHeaders = lowerKeys(it.response.headers);
      for (const h of ACTIONABLE_HEADERS) {
        if (h in recordedHeaders && answer.headers[h] === undefined) problems.push(`${where}: header ${h} recorded, missing in the emulator's answer`);
      }
      for (const h of ["azure-asyncoperation", "location"]) {
        const recorded = recordedHeaders[h];
        const ours = answer.headers[h];
        if (recorded === undefined || typeof ours !== "string") continue;
        const recordedShape = recorded.replace(RECORDED_HOST, "").replace(GUID_RE, "{guid}");
        const ourShape = ours.replace(em.url, "").replace(GUID_RE, "{guid}").replace(em.subscriptionId, "00000000-0000-0000-0000-000000000000");
        if (recordedShape !== ourShape) problems.push(`${where}: ${h} recorded ${recordedShape}, emulator ${ourShape}`);
        const recordedId = recorded.match(GUID_RE)?.pop();
        const ourId = ours.match(GUID_RE)?.pop();
        if (recordedId && ourId) operationIds.set(recordedId, ourId);
      }
      if (recordedBody !== undefined || answer.json !== undefined) compareShapes(recordedBody, answer.json, where, problems);
      if (/\/operations\/([0-9a-f-]{36})/i.test(uri) && answer.json) {
        const ourId = /\/operations\/([0-9a-f-]{36})/i.exec(uri)![1]!;
        const recordedId = /\/operations\/([0-9a-f-]{36})/i.exec(it.request.uri)![1]!;
        if ((recordedBody as { name: string }).name !== swapName(recordedId)) problems.push(`${where}: the recording's name is not the byte-swapped id (test assumption broken)`);
        if ((answer.json as { name: string }).name !== swapName(ourId)) problems.push(`${where}: operation name is not the byte-swapped operation id`);
      }
    }
  } finally {
    await em.stop();
  }
  return { problems, count: interactions.length };
}

const files = cassettes();

describe("replay of recorded Azure traffic", () => {
  it("finds the recordings", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files.map((f) => [f.name, f.file]))("answers %s as Azure did", async (_name, file) => {
    const { problems, count } = await replay(file);
    expect(count).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
