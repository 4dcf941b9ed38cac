/**
 * The command registry: the order here is the order of `aks-kube-proxy --help`.
 *
 * The `rollout` command group lives in `commands/rollout.ts` (or `commands/rollout/index.ts`), owned by the fleet
 * work. It plugs in as one module: export `commandModule: CliCommandModule` from it and it is registered here,
 * between `delete` and `validate`, with no other change. Until that module exists there is no `rollout` command.
 * @packageDocumentation
 */
import type { CliCommandModule } from "../runtime/command-module";
import { applyCommand } from "./apply";
import { createCommand } from "./create";
import { deleteCommand } from "./delete";
import { demoCommand } from "./demo";
import { emulatorCommand } from "./emulator";
import { enablePreviewCommand } from "./enable-preview";
import { planCommand } from "./plan";
import { statusCommand } from "./status";
import { previewCommand } from "./preview";
import { validateCommand } from "./validate";
import { waitCommand } from "./wait";

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
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional module, see the file comment
  const loaded = require(resolved) as { commandModule?: unknown };
  if (!isCommandModule(loaded.commandModule)) {
    throw new Error(`internal error: ${resolved} must export \`commandModule\` (a CliCommandModule)`);
  }
  return loaded.commandModule;
}

/** Every command module, in help order. */
export function commandModules(): CliCommandModule[] {
  const rollout = optionalCommandModule("rollout");
  return [
    enablePreviewCommand,
    previewCommand,
    statusCommand,
    planCommand,
    applyCommand,
    waitCommand,
    createCommand,
    deleteCommand,
    ...(rollout ? [rollout] : []),
    validateCommand,
    emulatorCommand,
    demoCommand,
  ];
}
