import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { createRolloutJournal, JOURNAL_FILE_VERSION_WITH_LOG, journalLogPath, parseRolloutSpec, planRollout, readRolloutJournal, RolloutJournalFile, type RolloutJournal } from "../src/index";
import { fleetOf, SUB } from "./support/clusters";


function journal(n: number): RolloutJournal {
  const { spec } = parseRolloutSpec({ name: "log", subscriptions: [SUB], settings: { mode: "IPVS" } });
  return createRolloutJournal(planRollout({ spec, clusters: fleetOf(n), apiVersion: DEFAULT_API_VERSION }), new Date("2026-01-01T00:00:00Z"));
}

const dir = (): string => mkdtempSync(join(tmpdir(), "journal-log-"));

/** Marks cluster i written (intent saved, as before a PUT) and commits. */
async function step(file: RolloutJournalFile, i: number): Promise<void> {
  const c = file.journal.clusters[i]!;
  c.status = "in-progress";
  c.written = true;
  c.intent = { previous: null, at: "2026-01-01T00:00:01.000Z" };
  c.pollerState = `state-${i}`;
  file.changed(c);
  await file.commit();
}

/** A writer that dies: the lock file of a process that is gone, the handle left open. */
function crash(path: string): void {
  writeFileSync(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 4242, host: hostname() }));
}

describe("journal file: snapshot and append-only log", () => {
  test("a step appends one record of the changed cluster: the snapshot is not rewritten and the bytes written do not grow with the fleet", async () => {
    const path = join(dir(), "j.json");
    const file = await RolloutJournalFile.create(path, journal(2000), { pacingFactor: 0 });
    const snapshotBytes = statSync(path).size;
    const inode = statSync(path).ino;
    const before = file.bytesWritten;
    for (let i = 0; i < 20; i++) await step(file, i);
    // 20 steps: 20 records, each about one cluster's line, none a rewrite of the 2,000 clusters.
    expect(file.compactions).toBe(1);
    expect(statSync(path).ino).toBe(inode);
    const appended = file.bytesWritten - before;
    expect(appended).toBeLessThan(snapshotBytes / 20);
    expect(readFileSync(journalLogPath(path), "utf8").trim().split("\n")).toHaveLength(20);
    // A reader without the lock sees every step: the snapshot with the log.
    const read = await readRolloutJournal(path);
    expect(read.clusters.slice(0, 20).every((c) => c.status === "in-progress" && c.written === true)).toBe(true);
    expect(read.clusters[20]!.status).toBe("pending");
    // A record carries what changes, not the planned settings, changes and findings; they are read back from the snapshot.
    expect(readFileSync(journalLogPath(path), "utf8")).not.toMatch(/"(desired|changes|findings|subscriptionId)":/);
    expect(read.clusters[0]).toMatchObject({ desired: { mode: "IPVS" }, previous: null, name: file.journal.clusters[0]!.name, subscriptionId: SUB });
    expect(read.clusters[0]!.changes).toEqual(file.journal.clusters[0]!.changes);
    expect(read.clusters[0]!.findings).toEqual(file.journal.clusters[0]!.findings);
    await file.close();
    // A clean close folds the log in: one version-1 document, no log.
    expect(existsSync(journalLogPath(path))).toBe(false);
    const closed = JSON.parse(readFileSync(path, "utf8")) as RolloutJournal & { logSeq?: number };
    expect(closed.version).toBe(1);
    expect(closed.logSeq).toBeUndefined();
    expect(closed.clusters[19]!.pollerState).toBe("state-19");
  });

  test("while a log is in use the snapshot says version 2, so an SDK that reads only version 1 refuses it instead of reading a stale state", async () => {
    const path = join(dir(), "j.json");
    const file = await RolloutJournalFile.create(path, journal(3));
    await step(file, 0);
    const snapshot = JSON.parse(readFileSync(path, "utf8")) as { version: number; clusters: { status: string }[] };
    expect(snapshot.version).toBe(JOURNAL_FILE_VERSION_WITH_LOG);
    expect(snapshot.clusters[0]!.status).toBe("pending"); // the step is in the log only
    expect((await readRolloutJournal(path)).clusters[0]!.status).toBe("in-progress");
    await file.close();
  });

  test("a torn last record after a crash (kill -9 during an append) is ignored, never misread, and the resume repairs the log", async () => {
    const path = join(dir(), "j.json");
    const file = await RolloutJournalFile.create(path, journal(4), { pacingFactor: 0 });
    await step(file, 0);
    await step(file, 1);
    // The process dies while appending the record of cluster 2: half a line reached the disk.
    const log = readFileSync(journalLogPath(path), "utf8");
    const lastRecord = log.trim().split("\n").at(-1)!;
    const torn = lastRecord.replace('"seq":2', '"seq":3').replace("state-1", "state-2").slice(0, Math.floor(lastRecord.length / 2));
    appendFileSync(journalLogPath(path), torn);
    crash(path);
    // Read without the lock: the two complete steps, not the torn one.
    const read = await readRolloutJournal(path);
    expect(read.clusters.map((c) => c.status)).toEqual(["in-progress", "in-progress", "pending", "pending"]);
    // Resume: same state; its first write compacts and empties the log; later appends read back whole.
    const resumed = await RolloutJournalFile.open(path, { pacingFactor: 0 });
    expect(resumed.journal.clusters[2]!.status).toBe("pending");
    await step(resumed, 2);
    expect(readFileSync(journalLogPath(path), "utf8")).not.toContain(torn);
    await step(resumed, 3);
    expect((await readRolloutJournal(path)).clusters.map((c) => c.pollerState)).toEqual(["state-0", "state-1", "state-2", "state-3"]);
    await resumed.close();
  });

  test("a torn record that reached its newline as zeros (the file grew before its bytes were on disk) is ignored too", async () => {
    const path = join(dir(), "j.json");
    const file = await RolloutJournalFile.create(path, journal(2), { pacingFactor: 0 });
    await step(file, 0);
    appendFileSync(journalLogPath(path), Buffer.concat([Buffer.alloc(40), Buffer.from("\n")]));
    crash(path);
    expect((await readRolloutJournal(path)).clusters.map((c) => c.status)).toEqual(["in-progress", "pending"]);
  });

  test("a broken record before the last, or a record for a cluster the journal does not have, is a ValidationError naming the log (edited by hand: CLI exit 3)", async () => {
    const path = join(dir(), "j.json");
    const file = await RolloutJournalFile.create(path, journal(3), { pacingFactor: 0 });
    await step(file, 0);
    await step(file, 1);
    crash(path);
    const log = readFileSync(journalLogPath(path), "utf8").split("\n");
    writeFileSync(journalLogPath(path), [log[0]!.slice(0, 30), log[1], ""].join("\n"));
    await expect(readRolloutJournal(path)).rejects.toMatchObject({ code: "ValidationError", message: expect.stringMatching(/record 1 of its log .*j\.json\.log is not valid JSON/) });
    writeFileSync(journalLogPath(path), [log[0]!.replace(/\[\[0,/, "[[7,"), log[1], ""].join("\n"));
    await expect(RolloutJournalFile.open(path)).rejects.toMatchObject({ code: "ValidationError", message: expect.stringMatching(/a cluster the journal does not have/) });
    // A record whose cluster was edited into something invalid fails the field-by-field check, with its path.
    writeFileSync(journalLogPath(path), [log[0]!.replace('"status":"in-progress"', '"status":"sideways"'), log[1], ""].join("\n"));
    await expect(readRolloutJournal(path)).rejects.toMatchObject({ code: "ValidationError", message: expect.stringMatching(/\$\.clusters\[0\]\.status/) });
  });

  test("records a compaction already includes are skipped (a crash between the new snapshot and emptying the log)", async () => {
    const path = join(dir(), "j.json");
    const file = await RolloutJournalFile.create(path, journal(3), { pacingFactor: 0 });
    await step(file, 0);
    await step(file, 1);
    const log = readFileSync(journalLogPath(path));
    // Force a compaction (a caller that stops declaring changes gets whole writes), then put the old records back.
    file.journal.clusters[0]!.status = "done";
    file.changed(file.journal.clusters[0]!);
    (file as unknown as { mustCompact: boolean }).mustCompact = true;
    await file.commit();
    expect(statSync(journalLogPath(path)).size).toBe(0);
    writeFileSync(journalLogPath(path), log);
    crash(path);
    const read = await readRolloutJournal(path);
    expect(read.clusters.map((c) => c.status)).toEqual(["done", "in-progress", "pending"]);
  });

  test("a journal written before the log existed (one version-1 document) opens and resumes", async () => {
    const path = join(dir(), "j.json");
    const j = journal(3);
    j.clusters[0]!.status = "done";
    // The former format: the whole journal, header indented, one cluster per line.
    const { clusters, ...header } = j;
    const head = JSON.stringify(header, null, 2);
    writeFileSync(path, `${head.slice(0, -2)},\n  "clusters": [\n${clusters.map((c) => `    ${JSON.stringify(c)}`).join(",\n")}\n  ]\n}\n`);
    const file = await RolloutJournalFile.open(path, { pacingFactor: 0 });
    expect(file.journal.clusters.map((c) => c.status)).toEqual(["done", "pending", "pending"]);
    await step(file, 1);
    expect((await readRolloutJournal(path)).clusters.map((c) => c.status)).toEqual(["done", "in-progress", "pending"]);
    await file.close();
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ version: 1 });
  });

  test("a log left beside a version-1 document (a crash during a clean close) is not replayed, and is removed by the next open", async () => {
    const path = join(dir(), "j.json");
    const file = await RolloutJournalFile.create(path, journal(2), { pacingFactor: 0 });
    await step(file, 0);
    const log = readFileSync(journalLogPath(path));
    file.journal.clusters[0]!.status = "failed";
    file.journal.clusters[0]!.error = { code: "OperationFailed", message: "x" };
    file.changed(file.journal.clusters[0]!);
    await file.close();
    writeFileSync(journalLogPath(path), log);
    expect((await readRolloutJournal(path)).clusters[0]!.status).toBe("failed");
    const reopened = await RolloutJournalFile.open(path, { pacingFactor: 0 });
    expect(existsSync(journalLogPath(path))).toBe(false);
    await step(reopened, 1);
    expect((await readRolloutJournal(path)).clusters.map((c) => c.status)).toEqual(["failed", "in-progress"]);
    await reopened.close();
  });

  test("a failed append is never followed by appends after its partial bytes: the next write is a compaction", async () => {
    const path = join(dir(), "j.json");
    const file = await RolloutJournalFile.create(path, journal(3), { pacingFactor: 0 });
    await step(file, 0);
    const handle = (file as unknown as { logHandle: { write: (b: Buffer) => Promise<unknown> } }).logHandle;
    const write = handle.write.bind(handle);
    handle.write = async (b: Buffer) => {
      await write(b.subarray(0, 10)); // part of the record reached the file, then the disk failed
      throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
    };
    await expect(step(file, 1)).rejects.toThrow(/EIO/);
    handle.write = write;
    await step(file, 2);
    const read = await readRolloutJournal(path);
    expect(read.clusters.map((c) => c.status)).toEqual(["in-progress", "in-progress", "in-progress"]);
    expect(file.compactions).toBe(2);
    truncateSync(journalLogPath(path), 0);
    await file.close();
  });
});
