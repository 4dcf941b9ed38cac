/**
 * The command registry: the order here is the order of `aks-kube-proxy --help`.
 *
 * The `rollout` command group lives in `commands/rollout.ts` (or `commands/rollout/index.ts`), owned by the fleet
 * work. It plugs in as one module: export `commandModule: CliCommandModule` from it and it is registered here,
 * between `delete` and `validate`, with no other change. Until that module exists there is no `rollout` command.
 * @packageDocumentation
 */
/* eslint-disable @typescript-eslint/no-require-imports -- command modules load on demand, see commandModules */
import type { CliCommandModule } from "../runtime/command-module";

function isCommandModule(x: unknown): x is CliCommandModule {
  return typeof x === "object" && x !== null && typeof (x as CliCommandModule).name === "string" && typeof (x as CliCommandModule).register === "function";
}

/**
 * Loads an optional command module that sits next to this file, when present.
 * @param name - module name relative to this folder (e.g. `rollout`)
 */
function optionalCommandModule(name: string): CliCommandModule | undefined {
  let resolved: string;
  try {
    resolved = require.resolve(`./${name}`);
  } catch {
    return undefined;
  }
  const loaded = require(resolved) as { commandModule?: unknown };
  if (!isCommandModule(loaded.commandModule)) {
    throw new Error(`internal error: ${resolved} must export \`commandModule\` (a CliCommandModule)`);
  }
  return loaded.commandModule;
}

/** Every command, in help order, with the loader of its module (a command's module loads only when it is needed). */
const COMMANDS: readonly { readonly name: string; readonly load: () => CliCommandModule | undefined }[] = [
  { name: "enable-preview", load: () => (require("./enable-preview") as typeof import("./enable-preview")).enablePreviewCommand },
  { name: "preview", load: () => (require("./preview") as typeof import("./preview")).previewCommand },
  { name: "status", load: () => (require("./status") as typeof import("./status")).statusCommand },
  { name: "plan", load: () => (require("./plan") as typeof import("./plan")).planCommand },
  { name: "apply", load: () => (require("./apply") as typeof import("./apply")).applyCommand },
  { name: "show", load: () => (require("./show") as typeof import("./show")).showCommand },
  { name: "verify", load: () => (require("./verify") as typeof import("./verify")).verifyCommand },
  { name: "wait", load: () => (require("./wait") as typeof import("./wait")).waitCommand },
  { name: "create", load: () => (require("./create") as typeof import("./create")).createCommand },
  { name: "delete", load: () => (require("./delete") as typeof import("./delete")).deleteCommand },
  { name: "rollout", load: () => optionalCommandModule("rollout") },
  { name: "validate", load: () => (require("./validate") as typeof import("./validate")).validateCommand },
  { name: "emulator", load: () => (require("./emulator") as typeof import("./emulator")).emulatorCommand },
  { name: "demo", load: () => (require("./demo") as typeof import("./demo")).demoCommand },
];

/** The names of every command, in help order. */
export function commandNames(): string[] {
  return COMMANDS.map((c) => c.name);
}

/**
 * Every command module, in help order; with `only`, just that command's (the CLI knows which command runs before it
 * parses, so the others are never loaded: a shorter cold start).
 * @param only - the name of the one command needed
 */
export function commandModules(only?: string): CliCommandModule[] {
  return COMMANDS.filter((c) => only === undefined || c.name === only)
    .map((c) => c.load())
    .filter((m): m is CliCommandModule => m !== undefined);
}
