/**
 * The HTML page and the Markdown summary as pure functions of a report: the command to run next for each outcome
 * (approve then resume, lift the stop, retry or roll back), text escaped (a hostile cluster or rollout name stays
 * text), and no reference to anything outside the page.
 */
import { htmlReportChunks, jsonReportChunks, junitXmlChunks, toHtmlReport, toJUnitXml, toMarkdownReport, nextCommand, type RolloutReport, type RolloutReportCluster } from "../src/index";

function report(over: Partial<RolloutReport>): RolloutReport {
  return {
    kind: "aks-kube-proxy.rollout-report",
    rolloutName: "r",
    operation: "apply",
    specHash: "0".repeat(64),
    status: "completed",
    generatedAt: "2026-12-07T10:00:00.000Z",
    shards: { count: 1, present: [1], missing: [] },
    journals: [{ path: "j.json", shard: "1/1", status: "completed", updatedAt: "2026-12-07T10:00:00.000Z" }],
    halts: [],
    counts: { total: 1, pending: 0, inProgress: 0, done: 1, changed: 1, failed: 0, skipped: 0 },
    waves: [{ name: "w", index: 0, status: "done", planned: 1, total: 1, pending: 0, inProgress: 0, done: 1, changed: 1, failed: 0, skipped: 0 }],
    clusters: [],
    ...over,
  } as RolloutReport;
}

describe("report rendering", () => {
  test("the next command: approve then resume, lift the stop then resume, retry or roll back after a halt, nothing when done", () => {
    const opts = { journal: "j.json", rolloutFile: "r.yaml" };
    expect(nextCommand(report({ status: "awaiting-approval", awaitingApproval: { wave: "prod", since: "x" } }), opts)).toBe(
      "aks-kube-proxy rollout approve --journal j.json --wave prod  # then: aks-kube-proxy rollout apply r.yaml --journal j.json --resume",
    );
    expect(nextCommand(report({ status: "stopped" }), opts)).toMatch(/^aks-kube-proxy rollout stop --journal j.json --lift/);
    expect(nextCommand(report({ status: "halted" }), opts)).toMatch(/--resume --retry-failed .*rollout rollback --journal j.json/);
    const rolledBack = nextCommand(report({ status: "halted", waves: [{ ...report({}).waves[0]!, status: "halted", rolledBack: [{ clusters: 1, journal: "j.rollback.json", outcome: "completed", shard: "1/1" }] }] }), opts);
    expect(rolledBack).toMatch(/--resume --retry-failed .*already rolled back/);
    expect(rolledBack).not.toContain("rollout rollback");
    expect(nextCommand(report({}), opts)).toBeUndefined();
    const md = toMarkdownReport(report({ status: "awaiting-approval", awaitingApproval: { wave: "w", since: "x" }, waves: [{ ...report({}).waves[0]!, approval: { required: true } }] }), opts);
    expect(md).toContain("**awaiting approval**");
    expect(md).toContain("```sh\naks-kube-proxy rollout approve --journal j.json --wave w\naks-kube-proxy rollout apply r.yaml --journal j.json --resume\n```");
  });

  test("hostile names stay text, and the page loads nothing from outside", () => {
    const evil = `<img src=x onerror=alert(1)>"'&`;
    const html = toHtmlReport(
      report({
        rolloutName: evil,
        status: "halted",
        counts: { total: 1, pending: 0, inProgress: 0, done: 0, changed: 0, failed: 1, skipped: 0 },
        clusters: [
          {
            id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c",
            subscriptionId: "s",
            resourceGroup: "g",
            name: evil,
            wave: "w",
            status: "failed",
            attempts: 1,
            shard: "1/1",
            startedAt: "2026-12-07T09:59:00.000Z",
            finishedAt: "2026-12-07T10:00:00.000Z",
            error: { code: "HealthGateFailed", message: evil },
            gate: { status: "failed", startedAt: "2026-12-07T09:59:30.000Z", finishedAt: "2026-12-07T10:00:00.000Z", summary: evil, mismatches: [{ node: evil, field: "proxyMode", expected: "ipvs", found: "iptables" }] },
          },
        ],
      }),
    );
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;");
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  test("reports stream a cluster at a time: the JSON, JUnit and HTML pieces join into the whole documents (JSON byte for byte), and no piece grows with the fleet", () => {
    const cluster = (i: number): RolloutReportCluster => ({
      id: `/subscriptions/s${i % 100}/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c${i}`,
      subscriptionId: `s${i % 100}`,
      resourceGroup: "g",
      name: `c${i}`,
      ...(i % 10 === 9 ? {} : { wave: i % 3 === 0 ? "canary" : "w" }),
      status: i % 7 === 0 ? "failed" : "done",
      attempts: 1,
      shard: "1/1",
      startedAt: new Date(Date.parse("2026-12-07T09:00:00.000Z") + i * 1000).toISOString(),
      finishedAt: new Date(Date.parse("2026-12-07T09:00:05.000Z") + i * 1000).toISOString(),
      ...(i % 7 === 0 ? { error: { code: "OperationFailed", message: `cluster ${i} failed` } } : { changed: true }),
      ...(i % 5 === 0 ? { gate: { status: "passed", startedAt: "2026-12-07T09:59:30.000Z", finishedAt: "2026-12-07T10:00:00.000Z", summary: "ok" } } : {}),
    }) as RolloutReportCluster;
    const sizes = (n: number): { joined: Record<string, string>; largest: number } => {
      const r = report({
        status: "halted",
        waves: [{ ...report({}).waves[0]!, name: "canary" }, report({}).waves[0]!],
        clusters: Array.from({ length: n }, (_, i) => cluster(i)),
      });
      const pieces = { json: [...jsonReportChunks(r)], junit: [...junitXmlChunks(r)], html: [...htmlReportChunks(r)] };
      expect(pieces.json.join("")).toBe(`${JSON.stringify(r, null, 2)}\n`);
      expect(pieces.junit.join("")).toBe(toJUnitXml(r));
      expect(pieces.html.join("")).toBe(toHtmlReport(r));
      const joined = { json: pieces.json.join(""), junit: pieces.junit.join(""), html: pieces.html.join("") };
      const largest = Math.max(...[pieces.json, pieces.junit, pieces.html].map((ps) => Math.max(...ps.filter((p) => !p.includes("<style>") && !p.includes("<script>")).map((p) => p.length))));
      return { joined, largest };
    };
    const small = sizes(20);
    const large = sizes(2000);
    // The pieces (but the page's fixed head with its CSS, and its closing script) are a cluster or a table's head each.
    expect(large.largest).toBe(small.largest);
    for (const kind of ["json", "junit", "html"]) expect(large.joined[kind]!.length).toBeGreaterThan(50 * large.largest);
    expect(JSON.parse(large.joined["json"]!)).toMatchObject({ clusters: expect.any(Array) });
  });
});
