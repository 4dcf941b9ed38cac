/**
 * The HTML report of a rollout in a real headless browser: Debian's Chromium (/usr/bin/chromium, installed by
 * `bash scripts/run.sh setup`) driven by playwright-core. A rollout with health gates runs against the emulator (a
 * canary that passes its gate, a wave whose clusters' data plane never converges), `rollout report` writes the page
 * and the Markdown summary, and the browser proves: the page renders without a console error or a network request,
 * the timeline shows every cluster of every wave, failures are marked; and a screenshot guards the layout (element
 * boxes that do not overlap or overflow, and the bars' colours found in the timeline's pixels). Needs `pnpm build`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import type { RolloutJournal } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, rolloutCli, startFleetEmulator, SUBSCRIPTIONS, tempDir } from "./rollout-fixtures";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];
const SUBS = SUBSCRIPTIONS.slice(0, 2);

let t: TestEmulator;
let browser: Browser;
let dir: string;
let journal: RolloutJournal;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`bash scripts/run.sh setup\` as root (it installs Debian's chromium package), or \`apt-get install -y chromium\`.`);
  }
  const seeds = fleetSeeds({ subscriptions: SUBS, perSubscription: 3 });
  t = await startFleetEmulator({ clusters: seeds, subscriptions: SUBS, timings: { kubeProxyRolloutPerNodeMs: 10 } });
  const canary = seeds[0]!;
  // Every cluster but the canary has a node that never takes the new kube-proxy: their gates time out (failures).
  for (const s of seeds.slice(1)) t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster: { subscriptionId: s.subscriptionId!, resourceGroup: s.resourceGroup, name: s.name } });
  dir = tempDir("report-html-");
  writeFileSync(
    join(dir, "rollout.json"),
    JSON.stringify({
      name: "report <demo>",
      subscriptions: SUBS,
      settings: { mode: "NFTABLES" },
      waves: [
        { name: "canary", select: { names: canary.name }, count: 1 },
        { name: "rest", halt: { maxFailures: 3 } },
      ],
      soakTime: "200ms",
      healthGate: { dataPlane: true, timeout: "4s" },
    }),
  );
  const run = await rolloutCli(t, dir, ["rollout", "apply", "rollout.json", "--journal", "j.json", "--yes"]);
  expect(run.code).toBe(1);
  journal = JSON.parse(readFileSync(join(dir, "j.json"), "utf8")) as RolloutJournal;
  const report = await rolloutCli(t, dir, ["rollout", "report", "--journal", "j.json", "--html", "report.html", "--markdown", "summary.md", "--rollout-file", "rollout.json"]);
  expect([report.code, report.stderr]).toEqual([0, expect.stringContaining("HTML report written to report.html")]);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function openReport() {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => requests.push(r.url()));
  const url = pathToFileURL(join(dir, "report.html")).href;
  await page.goto(url, { waitUntil: "load" });
  return { page, problems, requests, url };
}

describe("rollout report --html in headless Chromium", () => {
  test("renders with no console error and no request but the page itself; the status and counts are the journal's", async () => {
    const { page, problems, requests, url } = await openReport();
    await page.check("#only-failed");
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    expect(await page.textContent("#status")).toBe("halted");
    expect(await page.title()).toBe("Rollout report <demo>: halted");
    const failed = journal.clusters.filter((c) => c.status === "failed").length;
    expect(failed).toBe(5);
    expect(await page.locator("#failures tbody tr").count()).toBe(failed);
    expect(await page.locator(".halt").first().textContent()).toContain('wave "rest" failed');
    await page.close();
  });

  test("the timeline shows every cluster of every wave, failures marked, and the data-plane verdicts name the stuck nodes", async () => {
    const { page } = await openReport();
    const waved = journal.clusters.filter((c) => c.wave !== undefined);
    expect(waved).toHaveLength(6);
    for (const c of waved) {
      const row = page.locator(`#timeline section[data-wave="${c.wave}"] g.row[data-cluster="${c.id}"]`);
      expect([c.name, await row.count()]).toEqual([c.name, 1]);
      expect(await row.isVisible()).toBe(true);
      expect(await row.getAttribute("data-status")).toBe(c.status);
      // Every started cluster has at least one bar: its apply, then its gate.
      expect(await row.locator("rect.seg").count()).toBeGreaterThanOrEqual(2);
      if (c.status === "failed") expect(await row.locator("rect.seg.failed").count()).toBe(1);
    }
    for (const c of waved.filter((x) => x.status === "failed")) {
      const gateRow = page.locator(`#gates tr[data-cluster="${c.id}"]`);
      expect(await gateRow.textContent()).toContain(c.gate!.nodes![0]!);
    }
    await page.close();
  });

  test("screenshot guards the layout: no section overlaps or overflows the page, bars sized to the timeline, the bars' colours in the pixels", async () => {
    const { page } = await openReport();
    const boxes = await Promise.all(["header", "#counts", "#waves", "#timeline", "#gates", "#failures"].map(async (s) => ({ s, box: (await page.locator(s).boundingBox())! })));
    for (const { s, box } of boxes) expect([s, box.width > 0 && box.height > 0]).toEqual([s, true]);
    for (let i = 1; i < boxes.length; i++) expect([boxes[i]!.s, boxes[i]!.box.y >= boxes[i - 1]!.box.y + boxes[i - 1]!.box.height - 1]).toEqual([boxes[i]!.s, true]);
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    // Each wave's timeline is one row per cluster high, and every bar lies inside it.
    for (const wave of ["canary", "rest"]) {
      const svg = page.locator(`#timeline section[data-wave="${wave}"] svg`);
      const box = (await svg.boundingBox())!;
      const n = journal.clusters.filter((c) => c.wave === wave).length;
      expect(Math.abs(box.height - ((n + 1) * 18 + 8) * (box.width / 980))).toBeLessThan(3);
      const bars = await svg.locator("rect.seg").evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })));
      for (const b of bars) {
        expect(b.x).toBeGreaterThanOrEqual(box.x - 1);
        expect(b.x + b.w).toBeLessThanOrEqual(box.x + box.width + 1);
        expect(b.y + b.h).toBeLessThanOrEqual(box.y + box.height + 1);
      }
    }
    // The pixels: decode the screenshot of the timeline in the browser and count the bars' colours.
    const png = await page.locator("#timeline").screenshot();
    const blank = await browser.newPage();
    // Runs in the page (a string: this file is type-checked without the DOM library).
    const decode = `(async (b64) => {
      const img = new Image();
      img.src = "data:image/png;base64," + b64;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, img.width, img.height).data;
      const near = (i, r, g, bl) => Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - bl) < 40;
      const out = { red: 0, green: 0, blue: 0, total: img.width * img.height };
      for (let i = 0; i < data.length; i += 4) {
        if (near(i, 0xc6, 0x28, 0x28)) out.red++;
        else if (near(i, 0x43, 0xa0, 0x47)) out.green++;
        else if (near(i, 0x1e, 0x88, 0xe5)) out.blue++;
      }
      return out;
    })(${JSON.stringify(png.toString("base64"))})`;
    const counts = await blank.evaluate<{ red: number; green: number; blue: number; total: number }>(decode);
    await blank.close();
    // Failed gates (red), the canary's passed gate (green), operations (blue): each visible, none filling the page.
    expect(counts.red).toBeGreaterThan(50);
    expect(counts.green).toBeGreaterThan(20);
    expect(counts.blue).toBeGreaterThan(20);
    expect(counts.red + counts.green + counts.blue).toBeLessThan(counts.total / 2);
    await page.close();
  });

  test("the Markdown summary has the waves, the counts, the failures with their reasons and the command to run next", () => {
    const md = readFileSync(join(dir, "summary.md"), "utf8");
    expect(md).toContain("## Rollout `report <demo>`: halted");
    expect(md).toMatch(/\| canary \| done \| 1 \| 1 \| 0 \|/);
    expect(md).toMatch(/\| rest \| halted \| 5 \| 0 \| 5 \|/);
    expect(md).toContain("HealthGateFailed");
    expect(md).toContain("aks-kube-proxy rollout apply rollout.json --journal j.json --resume --retry-failed");
    expect(md.split("\n").filter((l) => l.startsWith("| ") && l.includes("HealthGateFailed"))).toHaveLength(5);
  });
});
