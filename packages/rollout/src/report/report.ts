/**
 * Reports of a rollout: one JSON document from one journal or several shard journals (merged), and JUnit XML with one
 * test case per cluster for CI systems to display. Pure.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { ValidationError } from "@aks-kube-proxy/sdk";
import { countClusters, type JournalCluster, type JournalError, type JournalGate, type JournalWave, type RolloutCounts, type RolloutJournal, type WaveApproval } from "../journal/journal";
import { formatShard } from "../spec/shard";
import { compact } from "../util";

/** The `kind` marker of a report. */
export const REPORT_KIND = "aks-kube-proxy.rollout-report";

/** One cluster in a report. */
export interface RolloutReportCluster {
  /** Resource id. */
  readonly id: string;
  /** Subscription. */
  readonly subscriptionId: string;
  /** Resource group. */
  readonly resourceGroup: string;
  /** Name. */
  readonly name: string;
  /** Wave. */
  readonly wave?: string;
  /** Settings group. */
  readonly group?: string;
  /** Status. */
  readonly status: JournalCluster["status"];
  /** Why skipped. */
  readonly skipReason?: JournalCluster["skipReason"];
  /** Details of the skip. */
  readonly skipMessage?: string;
  /** Written by this rollout. */
  readonly changed?: boolean;
  /** Settings before. */
  readonly previous?: KubeProxyConfig | null;
  /** Settings wanted. */
  readonly desired?: KubeProxyConfig;
  /** Settings read back after. */
  readonly after?: KubeProxyConfig | null;
  /** Why it failed. */
  readonly error?: JournalError;
  /** Operation URL (in progress: re-attach with --resume). */
  readonly operationUrl?: string;
  /** Duration of the last attempt. */
  readonly durationInMs?: number;
  /** When the last attempt started (ISO 8601). */
  readonly startedAt?: string;
  /** When the last attempt finished (ISO 8601). */
  readonly finishedAt?: string;
  /** Attempts. */
  readonly attempts: number;
  /** The shard (i/n) whose journal holds it. */
  readonly shard: string;
  /** True once this rollout wrote (or may have written) the cluster. */
  readonly written?: boolean;
  /** When the intent was saved, just before the first write (ISO 8601). */
  readonly writtenAt?: string;
  /** The health gate: status, verdict, summary, nodes and mismatches (node, flag, /proxyMode). */
  readonly gate?: Omit<JournalGate, "waitState">;
}

/** A wave in a report (merged over shards). */
export interface RolloutReportWave extends RolloutCounts {
  /** Name. */
  readonly name: string;
  /** Position. */
  readonly index: number;
  /** Merged status: halted if any shard halted, running if any runs or soaks, done if all are done, else pending. */
  readonly status: JournalWave["status"];
  /** Earliest start over the shards (ISO 8601). */
  readonly startedAt?: string;
  /** Latest finish over the shards. */
  readonly finishedAt?: string;
  /** Latest end of the soak over the shards. */
  readonly soakUntil?: string;
  /** Whether the wave needs an approval, and the approval if given. */
  readonly approval?: { readonly required: true; readonly approved?: WaveApproval };
  /** Why it halted (first shard that halted). */
  readonly haltReason?: string;
  /** The automatic rollback of the halted wave (`halt: { rollback: true }`), per shard. */
  readonly rolledBack?: readonly (NonNullable<JournalWave["rolledBack"]> & { readonly shard: string })[];
  /** Clusters planned for the wave (the plan), against the counts (the outcome). */
  readonly planned: number;
}

/** A rollout report. */
export interface RolloutReport {
  /** {@link REPORT_KIND}. */
  readonly kind: typeof REPORT_KIND;
  /** Rollout name. */
  readonly rolloutName: string;
  /** `apply` or `rollback`. */
  readonly operation: RolloutJournal["operation"];
  /** The rollout spec's hash. */
  readonly specHash: string;
  /** Overall: `completed` when every journal completed, `halted` if any halted, `aborted`/`running`/`planned` otherwise, `incomplete` when shards are missing. */
  readonly status: RolloutJournal["status"] | "incomplete";
  /** When the report was built. */
  readonly generatedAt: string;
  /** Shards: how many, which are present, which are missing. */
  readonly shards: { readonly count: number; readonly present: readonly number[]; readonly missing: readonly number[] };
  /** The journals merged. */
  readonly journals: readonly { readonly path?: string; readonly shard: string; readonly status: RolloutJournal["status"]; readonly updatedAt: string }[];
  /** Halts, per shard. */
  readonly halts: readonly (NonNullable<RolloutJournal["halt"]> & { readonly shard: string })[];
  /** Counts over every cluster. */
  readonly counts: RolloutCounts;
  /** Waves. */
  readonly waves: readonly RolloutReportWave[];
  /** Every cluster, sorted by wave then id. */
  readonly clusters: readonly RolloutReportCluster[];
  /** Set while a wave waits for its approval (`rollout approve --wave NAME`). */
  readonly awaitingApproval?: { readonly wave: string; readonly since: string };
}

/** A journal and where it came from. */
export interface JournalSource {
  /** The journal. */
  readonly journal: RolloutJournal;
  /** Its file. */
  readonly path?: string;
}

function mergeWaveStatus(statuses: JournalWave["status"][]): JournalWave["status"] {
  if (statuses.includes("halted")) return "halted";
  if (statuses.every((s) => s === "skipped")) return "skipped";
  if (statuses.every((s) => s === "done")) return "done";
  if (statuses.some((s) => s === "running" || s === "soaking")) return "running";
  if (statuses.some((s) => s === "done")) return "running";
  return "pending";
}

/**
 * Builds one report from one journal or the journals of several shards of one rollout (`rollout merge`).
 * @param sources - journals and their paths
 * @param now - generation time (for tests)
 * @throws {@link ValidationError} when the journals belong to different rollouts or operations, disagree on the shard
 * count, repeat a shard, or overlap
 */
export function buildRolloutReport(sources: readonly JournalSource[], now: Date = new Date()): RolloutReport {
  const first = sources[0]?.journal;
  if (!first) throw new ValidationError("no journal to report on: pass at least one journal file.", [{ path: "journals", message: "empty" }]);
  const issues: { path: string; message: string }[] = [];
  const label = (s: JournalSource | undefined, i: number): string => s?.path ?? `journal ${i + 1}`;
  sources.forEach((s, i) => {
    if (s.journal.specHash !== first.specHash) issues.push({ path: label(s, i), message: `belongs to another rollout (spec ${s.journal.specHash.slice(0, 12)}, expected ${first.specHash.slice(0, 12)})` });
    if (s.journal.operation !== first.operation) issues.push({ path: label(s, i), message: `is a ${s.journal.operation} journal, the first is a ${first.operation} journal` });
  });
  const count = first.shard?.count ?? 1;
  const present = new Map<number, number>();
  sources.forEach((s, i) => {
    const c = s.journal.shard?.count ?? 1;
    const index = s.journal.shard?.index ?? 1;
    if (c !== count) issues.push({ path: label(s, i), message: `is shard ${formatShard(s.journal.shard)}, but the first journal splits the fleet into ${count}` });
    const seen = present.get(index);
    if (seen !== undefined) issues.push({ path: label(s, i), message: `repeats shard ${index}/${count} (also ${label(sources[seen], seen)})` });
    present.set(index, i);
  });
  const owner = new Map<string, number>();
  sources.forEach((s, i) => {
    for (const c of s.journal.clusters) {
      const key = c.id.toLowerCase();
      const o = owner.get(key);
      if (o !== undefined && o !== i) issues.push({ path: label(s, i), message: `cluster ${c.id} is also in ${label(sources[o], o)}` });
      owner.set(key, i);
    }
  });
  if (issues.length > 0) {
    throw new ValidationError(`the journals cannot be merged:\n${issues.map((x) => `  ${x.path}: ${x.message}`).join("\n")}`, issues);
  }

  const waveOrder = new Map(first.waves.map((w) => [w.name, w.index]));
  const clusters: RolloutReportCluster[] = [];
  for (const s of sources) {
    const shard = formatShard(s.journal.shard);
    for (const c of s.journal.clusters) clusters.push(reportCluster(c, shard));
  }
  clusters.sort((a, b) => {
    const wa = a.wave !== undefined ? (waveOrder.get(a.wave) ?? 1e9) : 1e9;
    const wb = b.wave !== undefined ? (waveOrder.get(b.wave) ?? 1e9) : 1e9;
    if (wa !== wb) return wa - wb;
    const ia = a.id.toLowerCase();
    const ib = b.id.toLowerCase();
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  const journalClusters = sources.flatMap((s) => s.journal.clusters);
  const waves: RolloutReportWave[] = first.waves.map((w) => {
    const perShard = sources.map((s) => ({ shard: formatShard(s.journal.shard), wave: s.journal.waves.find((x) => x.name === w.name) }));
    const times = (key: "startedAt" | "finishedAt" | "soakUntil"): string[] => perShard.map((p) => p.wave?.[key]).filter((t): t is string => t !== undefined).sort();
    const approved = perShard.map((p) => p.wave?.approval).find((a) => a !== undefined);
    const rolledBack = perShard.flatMap((p) => (p.wave?.rolledBack ? [{ ...p.wave.rolledBack, shard: p.shard }] : []));
    const counts = countClusters(journalClusters.filter((c) => c.wave === w.name));
    return compact({
      name: w.name,
      index: w.index,
      status: mergeWaveStatus(perShard.map((p) => p.wave?.status ?? "pending")),
      ...counts,
      planned: perShard.reduce((n, p) => n + (p.wave?.total ?? 0), 0),
      startedAt: times("startedAt")[0],
      finishedAt: times("finishedAt").at(-1),
      soakUntil: times("soakUntil").at(-1),
      approval: first.spec.waves.find((x) => x.name === w.name)?.approval ? { required: true as const, ...(approved ? { approved } : {}) } : undefined,
      haltReason: perShard.map((p) => p.wave?.haltReason).find((r) => r !== undefined),
      rolledBack: rolledBack.length > 0 ? rolledBack : undefined,
    }) as RolloutReportWave;
  });
  const statuses = sources.map((s) => s.journal.status);
  const awaiting = sources.map((s) => s.journal.awaitingApproval).find((a) => a !== undefined);
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !present.has(i));
  const status: RolloutReport["status"] = statuses.includes("halted")
    ? "halted"
    : missing.length > 0
      ? "incomplete"
      : statuses.includes("running")
        ? "running"
        : statuses.includes("awaiting-approval")
          ? "awaiting-approval"
          : statuses.includes("stopped")
            ? "stopped"
        : statuses.includes("aborted")
          ? "aborted"
          : statuses.every((x) => x === "completed")
            ? "completed"
            : statuses.every((x) => x === "planned")
              ? "planned"
              : "running";
  return {
    kind: REPORT_KIND,
    rolloutName: first.rolloutName,
    operation: first.operation,
    specHash: first.specHash,
    status,
    generatedAt: now.toISOString(),
    shards: { count, present: [...present.keys()].sort((a, b) => a - b), missing },
    journals: sources.map((s) => ({ ...(s.path !== undefined ? { path: s.path } : {}), shard: formatShard(s.journal.shard), status: s.journal.status, updatedAt: s.journal.updatedAt })),
    halts: sources.flatMap((s) => (s.journal.halt ? [{ ...s.journal.halt, shard: formatShard(s.journal.shard) }] : [])),
    counts: countClusters(journalClusters),
    waves,
    clusters,
    ...(awaiting ? { awaitingApproval: awaiting } : {}),
  };
}

function reportCluster(c: JournalCluster, shard: string): RolloutReportCluster {
  const out: Record<string, unknown> = {
    id: c.id,
    subscriptionId: c.subscriptionId,
    resourceGroup: c.resourceGroup,
    name: c.name,
    wave: c.wave,
    group: c.group,
    status: c.status,
    skipReason: c.skipReason,
    skipMessage: c.skipMessage,
    changed: c.status === "done" ? (c.changed ?? false) : undefined,
    previous: c.previous,
    desired: c.desired,
    after: c.after,
    error: c.error,
    operationUrl: c.operationUrl,
    durationInMs: c.durationInMs,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    attempts: c.attempts,
    shard,
    written: c.written,
    writtenAt: c.intent?.at,
    gate: c.gate ? compact({ ...c.gate, waitState: undefined }) : undefined,
  };
  return compact(out) as unknown as RolloutReportCluster;
}

/** Escapes text for XML attributes and content, dropping characters XML 1.0 cannot carry. @internal */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

/**
 * JUnit XML for a report: one `<testsuite>` per wave (plus one for clusters no wave took), one `<testcase>` per
 * cluster (classname `subscription.resourceGroup`, name the cluster's name); failed clusters carry `<failure>`,
 * skipped ones (converged, blocked, halted...) and clusters not started `<skipped>`, clusters left in progress `<error>`.
 * Each testcase's `timestamp` is its cluster's own start (none for a cluster never started); a suite's is its first
 * cluster's start (the report's time when none started).
 * @param report - the report
 */
export function toJUnitXml(report: RolloutReport): string {
  return [...junitXmlChunks(report)].join("");
}

/** One testcase of {@link junitXmlChunks}. */
function junitCase(c: RolloutReportCluster): string {
  // Each testcase carries its own start (a cluster never started has none); the suite starts with its first cluster.
  const stamp = c.startedAt !== undefined ? ` timestamp="${xmlEscape(c.startedAt)}"` : "";
  const head = `    <testcase classname="${xmlEscape(`${c.subscriptionId}.${c.resourceGroup}`)}" name="${xmlEscape(c.name)}" time="${seconds(c.durationInMs)}"${stamp}`;
  const changed = c.status === "done" ? `changed: ${c.changed ? "yes" : "no (already converged)"}` : "";
  const times = [c.startedAt ? `started: ${c.startedAt}` : "", c.finishedAt ? `finished: ${c.finishedAt}` : ""];
  const props = `<system-out>${xmlEscape([`id: ${c.id}`, `status: ${c.status}`, changed, ...times, c.operationUrl ? `operation: ${c.operationUrl}` : ""].filter(Boolean).join("\n"))}</system-out>`;
  if (c.status === "failed") {
    const e = c.error;
    const detail = e ? [e.message, e.armCode ? `ARM code: ${e.armCode}` : "", e.requestId ? `request id: ${e.requestId}` : ""].filter(Boolean).join("\n") : "failed";
    return `${head}>\n      <failure message="${xmlEscape(e?.message.split("\n")[0] ?? "failed")}" type="${xmlEscape(e?.code ?? "Error")}">${xmlEscape(detail)}</failure>\n      ${props}\n    </testcase>`;
  }
  if (c.status === "in-progress") {
    return `${head}>\n      <error message="not finished: still in progress${c.operationUrl ? "; resume with rollout apply --resume" : ""}" type="InProgress"/>\n      ${props}\n    </testcase>`;
  }
  if (c.status === "skipped" || c.status === "pending") {
    const why = c.status === "pending" ? "not started" : `${c.skipReason ?? "skipped"}${c.skipMessage ? `: ${c.skipMessage}` : ""}`;
    return `${head}>\n      <skipped message="${xmlEscape(why)}"/>\n      ${props}\n    </testcase>`;
  }
  return `${head}>\n      ${props}\n    </testcase>`;
}

/**
 * The JUnit XML of {@link toJUnitXml}, piece by piece (the head, then each suite's opening, each testcase, each
 * closing): write it to a file or stdout as it comes (`fs.promises.writeFile` takes an iterable), so a report of
 * 10,000 clusters is never one string. The totals are counted first, without building any text.
 * @param report - the report
 */
export function* junitXmlChunks(report: RolloutReport): Generator<string> {
  const groups = new Map<string, RolloutReportCluster[]>();
  for (const w of report.waves) groups.set(`wave ${w.name}`, []);
  for (const c of report.clusters) {
    const key = c.wave !== undefined ? `wave ${c.wave}` : "not in a wave";
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  const suiteOf = (cs: readonly RolloutReportCluster[]): { failures: number; errors: number; skipped: number; ms: number } => {
    const t = { failures: 0, errors: 0, skipped: 0, ms: 0 };
    for (const c of cs) {
      t.ms += c.durationInMs ?? 0;
      if (c.status === "failed") t.failures++;
      else if (c.status === "in-progress") t.errors++;
      else if (c.status === "skipped" || c.status === "pending") t.skipped++;
    }
    return t;
  };
  const total = suiteOf(report.clusters);
  const title = `aks-kube-proxy ${report.operation === "rollback" ? "rollback" : "rollout"} ${report.rolloutName}`;
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(title)}" tests="${report.clusters.length}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${seconds(total.ms)}">\n`;
  let first = true;
  for (const [name, cs] of groups) {
    if (cs.length === 0) continue;
    const t = suiteOf(cs);
    let start: string | undefined;
    for (const c of cs) if (c.startedAt !== undefined && (start === undefined || c.startedAt < start)) start = c.startedAt;
    yield `${first ? "" : "\n"}  <testsuite name="${xmlEscape(`${report.rolloutName} / ${name}`)}" tests="${cs.length}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}" time="${seconds(t.ms)}" timestamp="${xmlEscape(start ?? report.generatedAt)}">\n`;
    first = false;
    for (let i = 0; i < cs.length; i++) yield `${i > 0 ? "\n" : ""}${junitCase(cs[i] as RolloutReportCluster)}`;
    yield "\n  </testsuite>";
  }
  yield "\n</testsuites>\n";
}

/**
 * The report as JSON (`JSON.stringify(report, null, 2)` and a newline, byte for byte), piece by piece: the fields
 * before `clusters`, then each cluster, then the rest. Write it as it comes (`fs.promises.writeFile` takes an
 * iterable), so a report of 10,000 clusters is never one string.
 * @param report - the report
 */
export function* jsonReportChunks(report: RolloutReport): Generator<string> {
  const mark = JSON.stringify("\u0000clusters\u0000");
  const text = JSON.stringify({ ...report, clusters: JSON.parse(mark) as string }, null, 2);
  const at = text.indexOf(mark);
  yield text.slice(0, at);
  if (report.clusters.length === 0) yield "[]";
  else {
    yield "[\n";
    for (let i = 0; i < report.clusters.length; i++) yield `${i > 0 ? ",\n" : ""}    ${JSON.stringify(report.clusters[i], null, 2).replace(/\n/g, "\n    ")}`;
    yield "\n  ]";
  }
  yield `${text.slice(at + mark.length)}\n`;
}
