/**
 * Progress on stderr. On a terminal: one live line (spinner, text, elapsed time) redrawn in place by log-update,
 * with finished steps persisted above it. Elsewhere (pipes, CI logs, `--output json` captured by a script): plain
 * lines on stderr — when a wait starts, at each change of state, about every 15 seconds while nothing changes
 * ("still ..."), and when it ends — each with the elapsed time, so CI logs show that a wait is alive.
 * @packageDocumentation
 */
import { formatDuration } from "./duration";
import { loadLogUpdate } from "./lazy";
import type { Output } from "./output";

/** A progress reporter for one wait. */
export interface Progress {
  /** The current state, e.g. `feature KubeProxyConfigurationPreview: Registering`. */
  update(text: string): void;
  /** A line that stays (a finished step). */
  log(text: string): void;
  /** Stops the live line, leaving `text` as the last line when given. */
  done(text?: string): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/** How often a plain (non-terminal) progress repeats the current state while it does not change. */
export const HEARTBEAT_INTERVAL_IN_MS = 15_000;
const REDRAW_INTERVAL_IN_MS = 100;

/** Whether stderr is an interactive terminal that can take a live line. */
export function isInteractive(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && env.TERM !== "dumb" && !("CI" in env);
}

/**
 * Creates a progress reporter on the output's stderr.
 * @param out - the CLI output
 * @param options - `live` forces or forbids the live line (default: stderr is an interactive terminal)
 */
export function createProgress(out: Output, options: { live?: boolean; quietWhenPlain?: boolean } = {}): Progress {
  const live = options.live ?? isInteractive(out.stderr);
  if (live) return new LiveProgress(out);
  return options.quietWhenPlain ? SILENT : new PlainProgress(out);
}

/** For short reads: a live line on a terminal, nothing in logs. */
const SILENT: Progress = { update() {}, log() {}, done() {} };

class PlainProgress implements Progress {
  private readonly startedAt = Date.now();
  private last: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(private readonly out: Output) {}

  update(text: string): void {
    if (this.finished || text === this.last) return;
    this.last = text;
    this.out.info(`  ${text} (${formatDuration(Date.now() - this.startedAt)})`);
    // Restart the heartbeat: it speaks only after HEARTBEAT_INTERVAL_IN_MS without a change.
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.last !== undefined) this.out.info(`  still ${this.last} (${formatDuration(Date.now() - this.startedAt)})`);
    }, HEARTBEAT_INTERVAL_IN_MS);
    this.heartbeat.unref();
  }

  log(text: string): void {
    if (text === this.last) return;
    this.out.info(`  ${text}`);
  }

  done(text?: string): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.finished) return;
    this.finished = true;
    if (text !== undefined) this.out.info(`  ${text}`);
    else if (this.last !== undefined) this.out.info(`  done after ${formatDuration(Date.now() - this.startedAt)}`);
  }
}

class LiveProgress implements Progress {
  private readonly startedAt = Date.now();
  private readonly render: ReturnType<LogUpdateModuleCreate>;
  private readonly timer: NodeJS.Timeout;
  private text = "";
  private frame = 0;
  private stopped = false;

  constructor(private readonly out: Output) {
    this.render = loadLogUpdate().createLogUpdate(out.stderr);
    this.timer = setInterval(() => this.draw(), REDRAW_INTERVAL_IN_MS);
    this.timer.unref();
    out.setLiveLine(this);
  }

  update(text: string): void {
    this.text = text;
    this.draw();
  }

  log(text: string): void {
    if (this.stopped) {
      this.out.info(`  ${text}`);
      return;
    }
    this.render.persist(`  ${text}`);
    this.draw();
  }

  done(text?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.out.setLiveLine(undefined);
    this.render.clear();
    this.render.done();
    if (text !== undefined) this.out.info(`  ${text}`);
  }

  private draw(): void {
    if (this.stopped || this.text === "") return;
    this.frame = (this.frame + 1) % FRAMES.length;
    const elapsed = formatDuration(Date.now() - this.startedAt);
    this.render(`${this.out.style("cyan", FRAMES[this.frame] ?? "-", this.out.stderr)} ${this.text} ${this.out.style("dim", elapsed, this.out.stderr)}`);
  }
}

type LogUpdateModuleCreate = ReturnType<typeof loadLogUpdate>["createLogUpdate"];
