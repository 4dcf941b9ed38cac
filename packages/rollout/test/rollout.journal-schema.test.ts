import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import { DEFAULT_API_VERSION, type ValidationIssue } from "@aks-kube-proxy/sdk";
import { createRolloutJournal, journalJsonSchema, journalLogPath, parseRolloutSpec, planRollout, readRolloutJournal, RolloutJournalFile, type RolloutJournal } from "../src/index";
import { journalIssues } from "../src/journal/journalValidate";
import { fleetOf, SUB } from "./support/clusters";


function journal(n: number): RolloutJournal {
  const { spec } = parseRolloutSpec({ name: "schema", subscriptions: [SUB], settings: { mode: "IPVS" }, waves: [{ name: "canary", count: 1 }, { name: "rest" }] });
  return createRolloutJournal(planRollout({ spec, clusters: fleetOf(n), apiVersion: DEFAULT_API_VERSION }), new Date("2026-01-01T00:00:00Z"));
}

/** A planned journal as plain JSON, to edit as a person with an editor would. */
const editable = (n = 3): Record<string, any> => JSON.parse(JSON.stringify(journal(n))); // eslint-disable-line @typescript-eslint/no-explicit-any

const byPath = (issues: readonly ValidationIssue[]): Record<string, string> => Object.fromEntries(issues.map((i) => [i.path, i.message]));

describe("the rollout journal's JSON schema", () => {
  // Regenerate the file after a change: `pnpm build`, then `pnpm --filter @aks-kube-proxy/rollout schema`.
  test("the published journal.schema.json is the exported schema", () => {
    const file = JSON.parse(readFileSync(join(__dirname, "..", "schema", "journal.schema.json"), "utf8"));
    expect(file).toEqual(JSON.parse(JSON.stringify(journalJsonSchema)));
  });

  test("a journal as planned passes the published schema (any draft-07 validator) and the field-by-field check", () => {
    const planned = editable();
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(join(__dirname, "..", "schema", "journal.schema.json"), "utf8")));
    expect(validate.errors ?? []).toEqual([]);
    expect(validate(planned)).toBe(true);
    expect(journalIssues(planned)).toEqual([]);
  });

  test("a journal edited by hand is refused with the path of every problem, worded for a person", () => {
    const j = editable();
    j["spec"].maxConcurrency = 0;
    j["spec"].waves = [];
    j["status"] = "sideways";
    j["waves"][1].name = "canary";
    j["clusters"][0] = null;
    j["clusters"][1].wave = "nope";
    delete j["clusters"][2].desired;
    j["clusters"][2].intent = { at: "2026-01-01T00:00:00Z" };
    expect(byPath(journalIssues(j))).toEqual({
      "$.status": "must be one of planned, running, completed, halted, aborted, awaiting-approval, stopped",
      "$.spec.maxConcurrency": "must be a whole number of at least 1",
      "$.spec.waves": "must be a non-empty list",
      "$.clusters[0]": "must be an object",
      "$.clusters[2].desired": `a ${j["clusters"][2].status} cluster needs its desired settings (an object)`,
      "$.clusters[2].intent.previous": "must be the settings before the first write (an object, or null)",
      "$.waves[1].name": "must be unique",
      "$.clusters[1].wave": "must name one of the journal's waves",
      "$.clusters[2].wave": "must name one of the journal's waves", // its wave "rest" was renamed
    });
  });

  test("a journal of another kind or version is named as such, before its fields are looked at", () => {
    expect(journalIssues({ kind: "other" })).toEqual([expect.objectContaining({ path: "$.kind", message: expect.stringContaining("not a rollout journal") })]);
    expect(journalIssues({ ...editable(), version: 9, clusters: null })).toEqual([expect.objectContaining({ path: "$.version" })]);
  });

  test("a journal with many problems lists the first 20 and counts the rest in one note", () => {
    const j = editable(30);
    for (const c of j["clusters"]) c.attempts = -1;
    const issues = journalIssues(j);
    expect(issues).toHaveLength(21);
    expect(issues[20]).toEqual({ path: "$", message: "and 10 more problem(s)" });
  });

  test("a log record of the wrong shape is refused with its path in the log", async () => {
    const d = mkdtempSync(join(tmpdir(), "journal-schema-"));
    const path = join(d, "j.json");
    const file = await RolloutJournalFile.create(path, journal(2), { pacingFactor: 0 });
    try {
      file.journal.clusters[0]!.status = "in-progress";
      file.changed(file.journal.clusters[0]!);
      await file.commit();
      writeFileSync(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 4242, host: hostname() })); // a writer that died
      writeFileSync(journalLogPath(path), "");
      appendFileSync(journalLogPath(path), `${JSON.stringify({ seq: 1, at: "2026-01-01T00:00:00Z", header: "x" })}\n${JSON.stringify({ seq: 2 })}\n`);
      await expect(readRolloutJournal(path)).rejects.toMatchObject({ code: "ValidationError", issues: [expect.objectContaining({ path: "log[1].header", message: expect.stringContaining("must be an object") })] });
    } finally {
      await file.close().catch(() => undefined); // the writer's handle (its journal was edited under it)
      rmSync(d, { recursive: true, force: true });
    }
  });
});
