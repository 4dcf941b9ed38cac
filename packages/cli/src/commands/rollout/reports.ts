/**
 * The rollout's report files from the CLI: journals read (files or blob folders), JUnit and JSON reports written a
 * piece at a time.
 * @packageDocumentation
 */
import { writeFile } from "node:fs/promises";
import type { RolloutJournal, RolloutReport } from "@aks-kube-proxy/rollout";
import type { CommandContext } from "../../runtime/context";
import { journalStore } from "./actions";

/** Groups a report's small pieces into writes of about 64 KiB (one write per testcase would be thousands of syscalls). */
export function* inPieces(chunks: Iterable<string>, size = 64 * 1024): Generator<string> {
  let buffered: string[] = [];
  let length = 0;
  for (const chunk of chunks) {
    buffered.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield buffered.join("");
      buffered = [];
      length = 0;
    }
  }
  if (buffered.length > 0) yield buffered.join("");
}

export async function writeReports(ctx: CommandContext, report: RolloutReport, flags: { junit?: string; report?: string }): Promise<void> {
  const rollout = ctx.rollout();
  if (flags.junit) {
    await writeFile(flags.junit, inPieces(rollout.junitXmlChunks(report))); // streamed: a testcase at a time
    ctx.out.info(`JUnit report written to ${flags.junit}`);
  }
  if (flags.report) {
    await writeFile(flags.report, inPieces(rollout.jsonReportChunks(report))); // streamed: a cluster at a time
    ctx.out.info(`JSON report written to ${flags.report}`);
  }
}

/** Reads journals: files, and every shard of each blob journal folder, live from the store. */
export async function readJournals(ctx: CommandContext, paths: readonly string[]): Promise<{ journal: RolloutJournal; path: string }[]> {
  const stores = paths.map((path) => journalStore(ctx, path));
  const lists = await ctx.withReadTimeout(`Reading ${paths.length === 1 ? `the journal ${paths[0] ?? ""}` : `${paths.length} journals`}`, (abortSignal) =>
    Promise.all(stores.map((store) => store.readAll(abortSignal ? { abortSignal } : {}))),
  );
  return lists.flat();
}
