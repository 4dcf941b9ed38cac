/**
 * Reports people look at: one self-contained HTML page (inline CSS, inline SVG, a few lines of inline JS; a Content
 * Security Policy that forbids every network request, so it views the same offline and as a CI artifact) and a
 * Markdown summary for `$GITHUB_STEP_SUMMARY`. Both are pure functions of a {@link RolloutReport}.
 *
 * The HTML page shows: the outcome and counts; the plan against the outcome per wave (approval, halt, rollback);
 * a timeline per wave with one row per cluster (apply: from its start to the write, the operation until Azure read
 * back Succeeded, the health gate, and the wave's soak), failures and halts marked; the data-plane verdicts of the
 * health gates (nodes, flags, `/proxyMode`); and every failure with its reason.
 * @packageDocumentation
 */
import type { RolloutReport, RolloutReportCluster, RolloutReportWave } from "./report";

/** Options of {@link toHtmlReport} and {@link toMarkdownReport}. */
export interface ReportRenderOptions {
  /** The journal's location, for the commands shown (`rollout approve`, `--resume`). */
  readonly journal?: string;
  /** The rollout file, for the resume command. @default "<rollout file>" */
  readonly rolloutFile?: string;
  /** "Now" for clusters still running (their bars end here). @default the report's generatedAt */
  readonly now?: Date;
}

/** Escapes text for HTML content and attributes. @internal */
export function htmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function ms(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function duration(msValue: number): string {
  if (msValue < 1000) return `${Math.max(0, Math.round(msValue))} ms`;
  const s = msValue / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The next step a reader should take, as a command: approve, resume, retry, or nothing. */
export function nextCommand(report: RolloutReport, options: ReportRenderOptions = {}): string | undefined {
  const journal = options.journal ?? report.journals[0]?.path ?? "<journal>";
  const file = options.rolloutFile ?? "<rollout file>";
  if (report.operation !== "apply") return undefined;
  if (report.awaitingApproval) return `aks-kube-proxy rollout approve --journal ${journal} --wave ${report.awaitingApproval.wave}  # then: aks-kube-proxy rollout apply ${file} --journal ${journal} --resume`;
  if (report.status === "stopped") return `aks-kube-proxy rollout stop --journal ${journal} --lift  # then: aks-kube-proxy rollout apply ${file} --journal ${journal} --resume`;
  if (report.status === "halted") {
    // After an automatic rollback on halt (halt.rollback) the halted wave is already restored: a second rollback is
    // refused (its journal exists), so only the retry is suggested.
    const rolledBack = report.waves.some((w) => (w.rolledBack ?? []).length > 0);
    const retry = `aks-kube-proxy rollout apply ${file} --journal ${journal} --resume --retry-failed  # after fixing the failures`;
    return rolledBack ? `${retry} (the halted wave was already rolled back)` : `${retry}; or: aks-kube-proxy rollout rollback --journal ${journal}`;
  }
  if (report.status === "aborted" || report.status === "running" || report.counts.pending + report.counts.inProgress > 0) return `aks-kube-proxy rollout apply ${file} --journal ${journal} --resume`;
  return undefined;
}

/** One failure's reason in one line (the gate's nodes and flags when the gate failed). */
export function failureReason(c: RolloutReportCluster): string {
  const first = (c.error?.message ?? "failed").split("\n")[0] ?? "failed";
  return `${c.error?.code ?? "Error"}${c.error?.armCode ? `/${c.error.armCode}` : ""}: ${first}`;
}

interface Segment {
  readonly kind: "apply" | "operation" | "gate" | "failed";
  readonly from: number;
  readonly to: number;
  readonly title: string;
}

function segmentsOf(c: RolloutReportCluster, now: number): Segment[] {
  const start = ms(c.startedAt);
  if (start === undefined) return [];
  const end = ms(c.finishedAt) ?? now;
  const written = ms(c.writtenAt);
  const gateStart = ms(c.gate?.startedAt);
  const gateEnd = ms(c.gate?.finishedAt) ?? (c.gate ? end : undefined);
  const out: Segment[] = [];
  const armEnd = gateStart ?? end;
  if (written !== undefined && written >= start && written <= armEnd) {
    out.push({ kind: "apply", from: start, to: written, title: `${c.name}: read and write ${duration(written - start)}` });
    out.push({ kind: c.status === "failed" && !c.gate ? "failed" : "operation", from: written, to: armEnd, title: `${c.name}: operation until Succeeded ${duration(armEnd - written)}` });
  } else {
    out.push({ kind: c.status === "failed" && !c.gate ? "failed" : "apply", from: start, to: armEnd, title: `${c.name}: apply ${duration(armEnd - start)}` });
  }
  if (gateStart !== undefined && gateEnd !== undefined) {
    out.push({
      kind: c.gate?.status === "failed" ? "failed" : "gate",
      from: gateStart,
      to: gateEnd,
      title: `${c.name}: health gate ${c.gate?.status ?? ""} ${duration(gateEnd - gateStart)}${c.gate?.summary ? `: ${c.gate.summary}` : ""}`,
    });
  }
  return out;
}

const ROW = 18;
const LABEL = 220;
const WIDTH = 980;

/** A wave's timeline as SVG, piece by piece (its opening, then a row per cluster). */
function* timelineSvg(wave: RolloutReportWave, clusters: readonly RolloutReportCluster[], t0: number, t1: number, now: number): Generator<string> {
  const span = Math.max(1, t1 - t0);
  const x = (t: number): number => LABEL + ((t - t0) / span) * (WIDTH - LABEL - 10);
  const height = (clusters.length + 1) * ROW + 8;
  yield `<svg class="timeline" role="img" aria-label="${htmlEscape(`timeline of wave ${wave.name}`)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`;
  const soakFrom = ms(wave.finishedAt);
  const soakTo = ms(wave.soakUntil);
  if (soakFrom !== undefined && soakTo !== undefined && soakTo > soakFrom) {
    yield `<rect class="soak" x="${x(soakFrom).toFixed(1)}" y="2" width="${Math.max(1, x(soakTo) - x(soakFrom)).toFixed(1)}" height="${height - 4}"><title>${htmlEscape(`wave ${wave.name}: soak ${duration(soakTo - soakFrom)}`)}</title></rect>`;
  }
  for (let i = 0; i < clusters.length; i++) {
    const c = clusters[i] as RolloutReportCluster;
    const y = (i + 1) * ROW;
    const segs = segmentsOf(c, now);
    const rects = segs
      .map((s) => `<rect class="seg ${s.kind}" x="${x(s.from).toFixed(1)}" y="${y - 12}" width="${Math.max(2, x(s.to) - x(s.from)).toFixed(1)}" height="12"><title>${htmlEscape(s.title)}</title></rect>`)
      .join("");
    const marker = c.status === "failed" ? `<text class="mark failed" x="${(LABEL - 14).toFixed(0)}" y="${y - 2}">✕</text>` : "";
    yield `<g class="row status-${c.status}" data-cluster="${htmlEscape(c.id)}" data-status="${c.status}"><text class="label" x="4" y="${y - 2}">${htmlEscape(c.name.length > 30 ? `${c.name.slice(0, 29)}…` : c.name)}<title>${htmlEscape(`${c.resourceGroup}/${c.name} (${c.status}${c.skipReason ? `: ${c.skipReason}` : ""})`)}</title></text>${marker}${rects}</g>`;
  }
  yield "</svg>";
}

const CSS = `
:root{--ok:#2e7d32;--bad:#c62828;--warn:#ef6c00;--muted:#666;--line:#ddd;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:24px;color:#222;max-width:1040px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.sub{color:var(--muted);font-size:13px}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:var(--muted)}
.badge.completed,.badge.done,.badge.passed{background:var(--ok)}.badge.halted,.badge.failed{background:var(--bad)}
.badge.awaiting-approval,.badge.running,.badge.aborted,.badge.skipped,.badge.waiting{background:var(--warn)}
.counts{display:flex;gap:12px;margin:14px 0;flex-wrap:wrap}
.count{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:80px}
.count b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);text-align:left;padding:4px 6px;vertical-align:top}
th{background:#f6f6f6}
td.num{font-variant-numeric:tabular-nums}
.halt{border-left:4px solid var(--bad);background:#fdecea;padding:8px 12px;margin:8px 0}
.next{border-left:4px solid var(--warn);background:#fff4e5;padding:8px 12px;margin:8px 0}
code{background:#f3f3f3;padding:1px 4px;border-radius:3px;font-size:12px}
.timeline{display:block;margin:4px 0 10px;border:1px solid var(--line);border-radius:4px;background:#fafafa;max-width:100%;height:auto}
.timeline .label{font-size:11px;fill:#333}
.timeline .seg.apply{fill:#90a4ae}.timeline .seg.operation{fill:#1e88e5}.timeline .seg.gate{fill:#43a047}.timeline .seg.failed{fill:var(--bad)}
.timeline .soak{fill:#ffe0b2;opacity:.6}
.timeline .mark.failed{fill:var(--bad);font-size:11px;font-weight:700}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
.hidden{display:none}
`;

const JS = `
(function(){
  var box=document.getElementById("only-failed");
  if(!box)return;
  box.addEventListener("change",function(){
    var rows=document.querySelectorAll("g.row");
    for(var i=0;i<rows.length;i++){
      var failed=rows[i].getAttribute("data-status")==="failed";
      rows[i].setAttribute("opacity", box.checked&&!failed?"0.15":"1");
    }
  });
})();
`;

/**
 * The report as one self-contained HTML page (no request at view time: inline CSS, SVG and JS, and a Content
 * Security Policy of `default-src 'none'`).
 * @param report - a report from {@link buildRolloutReport}
 * @param options - the journal and rollout file for the commands shown
 */
export function toHtmlReport(report: RolloutReport, options: ReportRenderOptions = {}): string {
  return [...htmlReportChunks(report, options)].join("");
}

/**
 * The HTML page of {@link toHtmlReport}, piece by piece (a timeline row, a gate row, a failure row at a time): write it
 * as it comes (`fs.promises.writeFile` takes an iterable), so a report of 10,000 clusters is never one string.
 * @param report - a report from {@link buildRolloutReport}
 * @param options - the journal and rollout file for the commands shown
 */
export function* htmlReportChunks(report: RolloutReport, options: ReportRenderOptions = {}): Generator<string> {
  const now = (options.now ?? new Date(report.generatedAt)).getTime();
  const e = htmlEscape;
  const c = report.counts;
  const byWave = new Map<string, RolloutReportCluster[]>();
  for (const cl of report.clusters) {
    if (cl.wave === undefined) continue;
    const members = byWave.get(cl.wave);
    if (members) members.push(cl);
    else byWave.set(cl.wave, [cl]);
  }
  // The earliest and latest times, without a list of them (no spread of 30,000 arguments either).
  let first: number | undefined;
  let last: number | undefined;
  const see = (t: number | undefined): void => {
    if (t === undefined) return;
    first = first === undefined || t < first ? t : first;
    last = last === undefined || t > last ? t : last;
  };
  for (const cl of report.clusters) for (const t of [ms(cl.startedAt), ms(cl.finishedAt), ms(cl.gate?.finishedAt)]) see(t);
  for (const w of report.waves) for (const t of [ms(w.startedAt), ms(w.finishedAt), ms(w.soakUntil)]) see(t);
  const t0 = first ?? now;
  const t1 = last !== undefined ? Math.max(last, t0 + 1) : now + 1;
  const next = nextCommand(report, options);

  const waveRows = report.waves
    .map((w) => {
      const approval = w.approval ? (w.approval.approved ? `approved by ${e(w.approval.approved.by)} at ${e(w.approval.approved.at)}` : report.awaitingApproval?.wave === w.name ? "<b>awaiting approval</b>" : "needs approval") : "";
      return `<tr data-wave="${e(w.name)}"><td>${e(w.name)}</td><td><span class="badge ${e(w.status)}">${e(w.status)}</span></td><td class="num">${w.planned}</td><td class="num">${w.done}</td><td class="num">${w.changed}</td><td class="num">${w.failed}</td><td class="num">${w.skipped}</td><td class="num">${w.pending + w.inProgress}</td><td>${approval}</td></tr>`;
    })
    .join("");

  const halts = report.halts.map((h) => `<div class="halt"><b>Halted</b> in wave <b>${e(h.wave)}</b> (shard ${e(h.shard)}): ${e(h.reason)}</div>`).join("");
  const rollbacks = report.waves
    .flatMap((w) => (w.rolledBack ?? []).map((r) => `<div class="halt"><b>Rolled back</b> wave <b>${e(w.name)}</b> after the halt (shard ${e(r.shard)}): ${r.clusters} cluster(s), ${e(r.outcome)}; journal <code>${e(r.journal)}</code></div>`))
    .join("");

  const unwaved = report.clusters.reduce((n, cl) => n + (cl.wave === undefined ? 1 : 0), 0);

  const gated = report.clusters.filter((cl) => cl.gate);
  const gateRow = (cl: RolloutReportCluster): string => {
    const g = cl.gate;
    if (!g) return "";
    const mism = (g.mismatches ?? []).map((m) => `${m.node ? e(m.node) : "DaemonSet"}: ${e(m.field)} expected <code>${e(m.expected)}</code>, found <code>${e(m.found ?? "nothing")}</code>`).join("<br>");
    return `<tr data-cluster="${e(cl.id)}"><td>${e(cl.name)}</td><td>${e(cl.wave ?? "-")}</td><td><span class="badge ${e(g.status)}">${e(g.status)}</span></td><td>${e(g.verdict ?? "-")}</td><td>${e(g.summary ?? "")}${g.nodes?.length ? `<br>nodes: ${e(g.nodes.join(", "))}` : ""}${mism ? `<br>${mism}` : ""}</td></tr>`;
  };

  const failures = report.clusters.filter((cl) => cl.status === "failed");
  const failureRow = (cl: RolloutReportCluster): string => `<tr data-cluster="${e(cl.id)}"><td>${e(cl.name)}</td><td>${e(cl.resourceGroup)}</td><td>${e(cl.wave ?? "-")}</td><td>${e(failureReason(cl))}</td></tr>`;

  yield `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`${report.operation === "rollback" ? "Rollback" : "Rollout"} ${report.rolloutName}: ${report.status}`)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>${report.operation === "rollback" ? "Rollback" : "Rollout"} ${e(report.rolloutName)} <span id="status" class="badge ${e(report.status)}">${e(report.status)}</span></h1>
<div class="sub">Generated ${e(report.generatedAt)} from ${report.journals.length} journal(s)${report.shards.count > 1 ? `, shards ${report.shards.present.join(", ")} of ${report.shards.count}${report.shards.missing.length ? ` (missing ${report.shards.missing.join(", ")})` : ""}` : ""} · spec ${e(report.specHash.slice(0, 12))}</div></header>
<div class="counts" id="counts">
<div class="count"><b>${c.total}</b>clusters</div><div class="count"><b>${c.done}</b>done (${c.changed} changed)</div><div class="count"><b>${c.failed}</b>failed</div><div class="count"><b>${c.skipped}</b>skipped</div><div class="count"><b>${c.pending + c.inProgress}</b>not finished</div>
</div>
${halts}${rollbacks}${next ? `<div class="next">Next: <code>${e(next)}</code></div>` : ""}
<h2>Plan and outcome per wave</h2>
<table id="waves"><thead><tr><th>wave</th><th>status</th><th>planned</th><th>done</th><th>changed</th><th>failed</th><th>skipped</th><th>not finished</th><th>approval</th></tr></thead><tbody>${waveRows}</tbody></table>
<h2>Timeline</h2>
<div class="legend"><span><i style="background:#90a4ae"></i>read and write</span><span><i style="background:#1e88e5"></i>operation until Succeeded</span><span><i style="background:#43a047"></i>health gate</span><span><i style="background:#c62828"></i>failed</span><span><i style="background:#ffe0b2"></i>soak</span>
<label><input type="checkbox" id="only-failed"> highlight failures</label></div>
<div id="timeline">`;
  for (const w of report.waves) {
    const members = byWave.get(w.name) ?? [];
    const head = `<h3>Wave ${e(w.name)} <span class="badge ${e(w.status)}">${e(w.status)}</span> <span class="sub">${members.length} cluster(s)${w.startedAt ? ` · started ${e(w.startedAt)}` : ""}${w.haltReason ? " · halted" : ""}</span></h3>`;
    if (members.length === 0) {
      yield `<section class="wave" data-wave="${e(w.name)}">${head}<p class="sub">No cluster in this wave.</p></section>`;
      continue;
    }
    yield `<section class="wave" data-wave="${e(w.name)}">${head}`;
    yield* timelineSvg(w, members, t0, t1, now);
    yield "</section>";
  }
  yield `</div>
${unwaved > 0 ? `<p class="sub">${unwaved} cluster(s) in no wave (skipped at planning: converged, blocked, no settings or not in any wave).</p>` : ""}
<h2>Data plane (health gates)</h2>
`;
  if (gated.length > 0) {
    yield `<table id="gates"><thead><tr><th>cluster</th><th>wave</th><th>gate</th><th>verdict</th><th>details (nodes, flags, /proxyMode)</th></tr></thead><tbody>`;
    for (const cl of gated) yield gateRow(cl);
    yield "</tbody></table>";
  } else yield `<p class="sub">No health gate in this rollout.</p>`;
  yield "\n<h2>Failures</h2>\n";
  if (failures.length > 0) {
    yield `<table id="failures"><thead><tr><th>cluster</th><th>resource group</th><th>wave</th><th>reason</th></tr></thead><tbody>`;
    for (const cl of failures) yield failureRow(cl);
    yield "</tbody></table>";
  } else yield `<p class="sub">None.</p>`;
  yield `
<script>${JS}</script>
</body></html>
`;
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/**
 * The report as Markdown for a CI job summary (`$GITHUB_STEP_SUMMARY`): outcome, counts, waves (plan vs outcome,
 * approvals), halts and rollbacks, failures with their reasons (at most 50), and the command to run next.
 * @param report - a report from {@link buildRolloutReport}
 * @param options - the journal and rollout file for the commands shown
 */
export function toMarkdownReport(report: RolloutReport, options: ReportRenderOptions = {}): string {
  const c = report.counts;
  const lines: string[] = [
    `## ${report.operation === "rollback" ? "Rollback" : "Rollout"} \`${mdCell(report.rolloutName)}\`: ${report.status}`,
    "",
    `${c.total} cluster(s): **${c.done} done** (${c.changed} changed), **${c.failed} failed**, ${c.skipped} skipped, ${c.pending + c.inProgress} not finished.`,
    "",
    "| wave | status | planned | done | failed | skipped | not finished | approval |",
    "|---|---|---:|---:|---:|---:|---:|---|",
    ...report.waves.map((w) => {
      const approval = w.approval ? (w.approval.approved ? `approved by ${mdCell(w.approval.approved.by)}` : report.awaitingApproval?.wave === w.name ? "**awaiting approval**" : "needs approval") : "";
      return `| ${mdCell(w.name)} | ${w.status} | ${w.planned} | ${w.done} | ${w.failed} | ${w.skipped} | ${w.pending + w.inProgress} | ${approval} |`;
    }),
  ];
  for (const h of report.halts) lines.push("", `> **Halted** in wave \`${mdCell(h.wave)}\` (shard ${h.shard}): ${mdCell(h.reason)}`);
  for (const w of report.waves) for (const r of w.rolledBack ?? []) lines.push("", `> **Rolled back** wave \`${mdCell(w.name)}\` (shard ${r.shard}): ${r.clusters} cluster(s), ${r.outcome}.`);
  const gated = report.clusters.filter((x) => x.gate);
  if (gated.length > 0) {
    const n = (s: string): number => gated.filter((x) => x.gate?.status === s).length;
    lines.push("", `Health gates: ${n("passed")} passed, ${n("failed")} failed, ${n("skipped")} skipped (unreachable), ${n("waiting")} waiting.`);
  }
  const failures = report.clusters.filter((x) => x.status === "failed");
  if (failures.length > 0) {
    lines.push("", "### Failures", "", "| cluster | wave | reason |", "|---|---|---|");
    for (const f of failures.slice(0, 50)) lines.push(`| ${mdCell(`${f.resourceGroup}/${f.name}`)} | ${mdCell(f.wave ?? "-")} | ${mdCell(failureReason(f))} |`);
    if (failures.length > 50) lines.push("", `… and ${failures.length - 50} more (see the HTML or JSON report).`);
  }
  const next = nextCommand(report, options);
  if (next) lines.push("", "Next:", "", "```sh", next.replace("  # then: ", "\n"), "```");
  return `${lines.join("\n")}\n`;
}
