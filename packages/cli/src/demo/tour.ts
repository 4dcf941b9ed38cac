/**
 * The README's main job: the whole workflow, end to end, against an in-process ARM emulator. Every step goes
 * through the SDK exactly as `plan`/`apply` do; the emulator's own state and request log are used to show what
 * really happened on the "Azure" side.
 * @packageDocumentation
 */
import { readSettingsFile } from "../inputs/settings";
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import * as tls from "node:tls";
import type { RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import type { ApplyProgress, ClusterState, KubeProxyClient, KubeProxyPlan } from "@aks-kube-proxy/sdk";
import { describeApplyProgress } from "../flows/apply";
import { previewStepLabel } from "../flows/enable-preview";
import { clusterTable } from "../render/cluster";
import { groupedFindingLine, groupFindings } from "../render/findings";
import { describeSettings } from "../render/settings";
import type { CommandContext } from "../runtime/context";
import { formatDuration } from "../runtime/duration";
import { loadEmulator } from "../runtime/lazy";
import { DEMO_CLUSTERS, DEMO_RESOURCE_GROUP, demoPolling, demoTimings } from "./fixtures";
import { Narrator } from "./narrator";

/** Options of {@link runDemoTour}. */
export interface DemoOptions {
  /** The settings file to apply (az format). */
  readonly settingsFile: string;
  /** Multiplies the emulator's timings (1 = a few seconds per wait). */
  readonly timeScale: number;
}

/** What happened to one demo cluster, as the emulator saw it. */
export interface DemoClusterSummary {
  resourceGroup: string;
  name: string;
  outcome: "changed" | "blocked" | "unchanged";
  /** PUT/DELETE requests the emulator received for this cluster. */
  writes: number;
  /** Ids of the findings that blocked the change. */
  blockers: string[];
  /** kubeProxyConfig as the emulator stores it at the end (null when absent). */
  kubeProxyConfig: unknown;
  /** The mode the emulated cluster actually runs. */
  effectiveMode: string | null;
  provisioningState: string | null;
  /** The data-plane verdict watched after the apply (null when nothing was applied). */
  dataPlane: string | null;
}

/** The `--output json` document of the demo. */
export interface DemoSummary {
  subscriptionId: string;
  durationInMs: number;
  settings: { file: string; normalized: unknown; warnings: unknown[] };
  preview: { featureState: string; providerState: string };
  clusters: DemoClusterSummary[];
  writes: { total: number; preview: number; clusters: number };
}

const CLUSTER_PATH = /\/managedclusters\/([^/?]+)$/i;

function countWrites(em: RunningEmulator): { byCluster: Map<string, number>; preview: number; total: number } {
  const byCluster = new Map<string, number>();
  let preview = 0;
  let total = 0;
  for (const r of em.control.requestLog()) {
    if (r.kind !== "write") continue;
    // listClusterUserCredential is a POST that reads the kubeconfig (the data-plane check), not a change.
    if (/\/listCluster(User|Admin)Credential$/i.test(r.path)) continue;
    total += 1;
    const name = CLUSTER_PATH.exec(r.path)?.[1]?.toLowerCase();
    if (name !== undefined) byCluster.set(name, (byCluster.get(name) ?? 0) + 1);
    else if (/\/register$/i.test(r.path)) preview += 1;
  }
  return { byCluster, preview, total };
}

function kubeProxyConfigOf(raw: Record<string, unknown> | undefined): unknown {
  const properties = raw?.["properties"] as Record<string, unknown> | undefined;
  const networkProfile = properties?.["networkProfile"] as Record<string, unknown> | undefined;
  return networkProfile?.["kubeProxyConfig"] ?? null;
}

/**
 * Runs the tour and returns its summary (the caller prints it with `--output json`).
 * @param ctx - the command context (output, abort signal, SDK)
 * @param options - settings file and time scale
 */
export async function runDemoTour(ctx: CommandContext, options: DemoOptions): Promise<DemoSummary> {
  const startedAt = Date.now();
  const say = new Narrator(ctx.out);
  const sdk = ctx.sdk();
  const signal = ctx.abortSignal;
  const since = (t0: number): string => formatDuration(Date.now() - t0);

  // The settings are checked first: a bad file stops the demo before anything starts.
  const { settings, warnings } = await readSettingsFile(sdk, options.settingsFile);
  const asWritten: unknown = JSON.parse(await readFile(options.settingsFile, "utf8"));
  const normalized: unknown = sdk.canonicalKubeProxySettings(settings);

  say.title("aks-kube-proxy demo: configure kube-proxy on three AKS clusters, against a local Azure Resource Manager (no Azure account).");

  // 1. The emulator.
  say.heading("Start a local Azure Resource Manager", "(the embedded emulator: HTTPS, Entra token endpoint, feature flags, AKS)");
  const em = await loadEmulator().startEmulator({
    clusters: DEMO_CLUSTERS.map(({ role: _role, ...seed }) => seed),
    timings: demoTimings(options.timeScale),
    throttling: false,
  });
  try {
    // This process talks to the emulator over real HTTPS: trust its CA, as NODE_EXTRA_CA_CERTS would.
    tls.setDefaultCACertificates([...tls.getCACertificates("default"), em.ca]);
    say.step("✓", `emulator listening at ${em.url}, subscription ${em.subscriptionId}`);
    say.step("✓", `${DEMO_CLUSTERS.length} clusters seeded in resource group ${DEMO_RESOURCE_GROUP}:`);
    const width = Math.max(...DEMO_CLUSTERS.map((c) => c.name.length));
    for (const c of DEMO_CLUSTERS) say.step("·", `  ${c.name.padEnd(width)}  ${c.role}`);

    const credential = sdk.createCredential({ authorityHost: em.url, tenantId: em.tenantId, clientId: em.clientId, clientSecret: em.clientSecret, env: {} });
    const client: KubeProxyClient = ctx.createClient({
      subscriptionId: em.subscriptionId,
      credential,
      endpoint: em.url,
      polling: demoPolling(options.timeScale),
    });
    const refs = DEMO_CLUSTERS.map((c) => ({ resourceGroup: c.resourceGroup, name: c.name }));
    const readAll = async (): Promise<ClusterState[]> => Promise.all(refs.map((r) => client.getCluster(r, { abortSignal: signal })));

    // 2. Where we start.
    say.heading("Where we start", "(aks-kube-proxy status)");
    const before = await client.getPreviewStatus({ abortSignal: signal });
    say.step("·", `preview: feature ${sdk.FEATURE_NAME} ${before.featureState}, provider ${sdk.PROVIDER_NAMESPACE} ${before.providerState}`);
    say.block(clusterTable(await readAll(), ctx.out));

    // 3. Enable the preview.
    const polling = demoPolling(options.timeScale);
    say.heading("Enable the preview", "(aks-kube-proxy enable-preview: register the flag, wait, refresh the provider)");
    say.step("·", "without this, Azure refuses every kubeProxyConfig write with KubeProxyConfigFeatureNotRegistered");
    const t3 = Date.now();
    let lastState = "";
    const preview = await client.enablePreview({
      abortSignal: signal,
      onProgress: (e) => {
        const text = `${previewStepLabel(ctx, e.step)}: ${e.state}`;
        if (text === lastState) return;
        lastState = text;
        say.step("·", `${text}  ${ctx.out.style("dim", `(${since(t3)})`, ctx.out.json ? ctx.out.stderr : ctx.out.stdout)}`);
      },
    });
    say.step("✓", `preview enabled in ${formatDuration(preview.durationInMs)} (Registered counted after ${polling.consecutiveRegisteredReads} consecutive reads; Azure's feature store is eventually consistent)`);

    // 4. The settings file.
    const shownFile = relative(process.cwd(), options.settingsFile) || options.settingsFile;
    say.heading(`Read the settings file ${shownFile}`, "(the AKS documentation's example, az --kube-proxy-config format)");
    say.step("·", `as written: ${JSON.stringify(asWritten)}`);
    say.step("✓", `normalized: ${JSON.stringify(normalized)}`);
    for (const group of groupFindings(warnings)) say.step("!", groupedFindingLine(group));

    // 5. Plan.
    say.heading("Plan every cluster", "(aks-kube-proxy plan: reads only)");
    const plans: KubeProxyPlan[] = [];
    for (const ref of refs) plans.push(await client.plan(ref, settings, { abortSignal: signal }));
    const labelWidth = Math.max(...plans.map((p) => p.cluster.name.length));
    for (const p of plans) {
      const label = p.cluster.name.padEnd(labelWidth);
      if (p.blockers.length > 0) {
        say.step("✗", `${label}  blocked: ${p.blockers.map((b) => `[${b.id}] ${b.message}`).join("; ")}`);
      } else if (!p.hasChanges) {
        say.step("=", `${label}  no changes: already ${describeSettings(p.current)}`);
      } else {
        say.step("~", `${label}  ${describeSettings(p.current)} → ${describeSettings(sdk.effectiveKubeProxySettings(settings))} (${p.changes.length} field${p.changes.length === 1 ? "" : "s"} change)`);
        for (const group of groupFindings(p.warnings)) say.detail("!", groupedFindingLine(group), labelWidth + 4);
      }
    }

    // 6. Apply.
    say.heading("Apply to every cluster", "(aks-kube-proxy apply: write only kubeProxyConfig, wait, verify by reading back, then watch kube-proxy reach the nodes)");
    const outcomes = new Map<string, DemoClusterSummary["outcome"]>();
    const blockersByCluster = new Map<string, string[]>();
    const dataPlaneByCluster = new Map<string, string>();
    for (const ref of refs) {
      const label = ref.name.padEnd(labelWidth);
      const t6 = Date.now();
      let lastLine = "";
      try {
        const result = await client.apply(ref, settings, {
          abortSignal: signal,
          onProgress: (e: ApplyProgress) => {
            if (e.phase === "reading") return;
            const text = describeApplyProgress(e);
            if (text === lastLine) return;
            lastLine = text;
            say.step("·", `${label}  ${text}  ${ctx.out.style("dim", `(${since(t6)})`, ctx.out.json ? ctx.out.stderr : ctx.out.stdout)}`);
          },
        });
        outcomes.set(ref.name, result.changed ? "changed" : "unchanged");
        if (result.changed) say.step("✓", `${label}  ${describeSettings(result.before)} → ${describeSettings(result.after)}, verified (${formatDuration(result.durationInMs)})`);
        else say.step("=", `${label}  already converged: no write`);
        if (result.changed) {
          // Azure's Succeeded is not the nodes: watch the kube-proxy DaemonSet roll the new flags out, node by node.
          const t7 = Date.now();
          let lastRollout = "";
          const dataPlane = await client.waitForDataPlane(ref, settings, {
            abortSignal: signal,
            timeoutInMs: 600_000,
            onProgress: (e) => {
              const text = e.totalNodes > 0 ? `kube-proxy rollout ${e.convergedNodes}/${e.totalNodes} nodes` : `kube-proxy: ${e.verdict}`;
              if (text === lastRollout) return;
              lastRollout = text;
              say.step("·", `${label}  ${text}  ${ctx.out.style("dim", `(${since(t7)})`, ctx.out.json ? ctx.out.stderr : ctx.out.stdout)}`);
            },
          });
          dataPlaneByCluster.set(ref.name, dataPlane.verdict);
          say.step(dataPlane.verdict === "converged" ? "✓" : "✗", `${label}  data plane ${dataPlane.verdict}: ${dataPlane.summary}`);
        }
      } catch (err) {
        if (!(sdk.isKubeProxyError(err) && err.code === "PlanBlocked")) throw err;
        const findings = (err as InstanceType<typeof sdk.PlanBlockedError>).findings;
        blockersByCluster.set(ref.name, findings.map((f) => f.id));
        outcomes.set(ref.name, "blocked");
        say.step("✗", `${label}  refused before any write: ${findings.map((f) => `[${f.id}]`).join(" ")}`);
      }
    }

    // 7. The judge's view.
    say.heading("What the emulator saw", "(its request log, not our word for it)");
    const writes = countWrites(em);
    for (const ref of refs) {
      const n = writes.byCluster.get(ref.name.toLowerCase()) ?? 0;
      say.step(n > 0 ? "✓" : "=", `${ref.name.padEnd(labelWidth)}  ${n} write${n === 1 ? "" : "s"}`);
    }
    say.step("·", `preview: ${writes.preview} writes (feature register, provider re-register); ${writes.total} writes in all`);

    // 8. Where we end.
    say.heading("Where we end", "(aks-kube-proxy status)");
    const after = await client.getPreviewStatus({ abortSignal: signal });
    say.step("·", `preview: feature ${sdk.FEATURE_NAME} ${after.featureState}, provider ${sdk.PROVIDER_NAMESPACE} ${after.providerState}`);
    say.block(clusterTable(await readAll(), ctx.out));

    const clusters: DemoClusterSummary[] = refs.map((ref) => {
      const raw = em.control.getCluster(ref);
      const properties = raw?.["properties"] as Record<string, unknown> | undefined;
      return {
        resourceGroup: ref.resourceGroup,
        name: ref.name,
        outcome: outcomes.get(ref.name) ?? "unchanged",
        writes: writes.byCluster.get(ref.name.toLowerCase()) ?? 0,
        blockers: blockersByCluster.get(ref.name) ?? [],
        kubeProxyConfig: kubeProxyConfigOf(raw),
        effectiveMode: em.control.effectiveKubeProxyMode(ref) ?? null,
        provisioningState: typeof properties?.["provisioningState"] === "string" ? (properties["provisioningState"] as string) : null,
        dataPlane: dataPlaneByCluster.get(ref.name) ?? null,
      };
    });
    const durationInMs = Date.now() - startedAt;
    const count = (o: DemoClusterSummary["outcome"]): number => clusters.filter((c) => c.outcome === o).length;
    say.line(
      `\nDone in ${formatDuration(durationInMs)}: ${count("changed")} changed and verified, ${count("blocked")} blocked with nothing written, ${count("unchanged")} already converged with nothing written.`,
    );
    say.line(
      "Next: `aks-kube-proxy emulator --seed examples/emulator-seed.json` runs an emulator seeded like this one in the foreground; " +
        "paste the lines it prints into another shell and try status, plan and apply yourself.",
    );
    return {
      subscriptionId: em.subscriptionId,
      durationInMs,
      settings: { file: shownFile, normalized, warnings: [...warnings] },
      preview: { featureState: em.control.getFeatureState({ namespace: sdk.PROVIDER_NAMESPACE, name: sdk.FEATURE_NAME }), providerState: em.control.getProviderState({ namespace: sdk.PROVIDER_NAMESPACE }) },
      clusters,
      writes: { total: writes.total, preview: writes.preview, clusters: [...writes.byCluster.values()].reduce((a, b) => a + b, 0) },
    };
  } finally {
    await em.stop();
  }
}
