/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` in an isolated module registry and records the resource
 * graph the program registers: type, name, URN, parent, dependencies, inputs. The mocks compute the outputs a
 * real deployment would report, so tests can check that the component's outputs are wired through.
 */
import type * as PulumiModule from "@pulumi/pulumi";

/** One registered resource, as the engine would see the RegisterResource request. */
export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  urn: string;
  readonly parent: string;
  readonly dependencies: string[];
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
}

/** One invoke the program made. */
export interface RecordedCall {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

/** What a program run produced. */
export interface ProgramRun {
  /** The program's exports, fully resolved. */
  readonly outputs: Record<string, unknown>;
  /** Every resource registered, in order. */
  readonly resources: RegisteredResource[];
  /** Every invoke. */
  readonly calls: RecordedCall[];
  /** The resource with this type and name (throws when absent). */
  get(type: string, name: string): RegisteredResource;
  /** Every resource of a type. */
  ofType(type: string): RegisteredResource[];
}

/** Options of {@link runProgram}. */
export interface RunProgramOptions {
  /** Stack configuration, full keys (`project:key`, `azure-native:subscriptionId`). Objects are JSON-encoded. */
  readonly config?: Record<string, unknown>;
  /** Config keys to mark secret. */
  readonly secretKeys?: string[];
  /** Project name. @default "example" */
  readonly project?: string;
  /** Answers for invokes by token. */
  readonly invokes?: Record<string, Record<string, unknown>>;
  /** Computes a resource's state from its inputs, by type (default: the inputs). */
  readonly states?: Record<string, (inputs: Record<string, unknown>, name: string) => Record<string, unknown>>;
  /** Run as a preview (unknown outputs stay unknown). @default false */
  readonly preview?: boolean;
}

/**
 * Loads the program (a module path or a function that registers resources) after `setMocks`, in a fresh module
 * registry, and waits until every export resolves.
 * @param program - path of the program's module, or a function run with the isolated `@pulumi/pulumi`
 * @param options - configuration, invoke answers, state functions
 */
export async function runProgram(program: string | ((pulumi: typeof PulumiModule) => unknown), options: RunProgramOptions = {}): Promise<ProgramRun> {
  const resources: RegisteredResource[] = [];
  const calls: RecordedCall[] = [];
  let outputs: Record<string, unknown> = {};
  let failure: unknown;
  await jest.isolateModulesAsync(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- must load inside the isolated registry
    const pulumi = require("@pulumi/pulumi") as typeof PulumiModule;
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          const compute = options.states?.[args.type];
          const state = compute ? compute(args.inputs as Record<string, unknown>, args.name) : { ...args.inputs };
          return { id: args.custom === false ? undefined : `${args.name}-id`, state };
        },
        call(args) {
          calls.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
          return options.invokes?.[args.token] ?? {};
        },
      },
      options.project ?? "example",
      "dev",
      options.preview ?? false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: (err: unknown, resp: { getUrn(): string } | undefined) => void): Promise<void> };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
      const record: RegisteredResource = {
        type: req.getType(),
        name: req.getName(),
        urn: "",
        parent: req.getParent(),
        dependencies: req.getDependenciesList(),
        custom: req.getCustom(),
        inputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
      };
      resources.push(record);
      return original(req, (err, resp) => {
        if (resp) record.urn = resp.getUrn();
        cb(err, resp);
      });
    };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.config ?? {})) config[key] = typeof value === "string" ? value : JSON.stringify(value);
    pulumi.runtime.setAllConfig(config, options.secretKeys);
    try {
      const exported = typeof program === "string" ? ((await import(program)) as Record<string, unknown>) : ((await program(pulumi)) as Record<string, unknown> | undefined) ?? {};
      const plain: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(exported)) if (key !== "__esModule" && key !== "default") plain[key] = value;
      outputs = await new Promise<Record<string, unknown>>((resolve) => pulumi.output(plain).apply((v) => resolve(v as Record<string, unknown>)));
      // Registrations finish asynchronously; let the last ones land.
      await new Promise((resolve) => setTimeout(resolve, 20));
    } catch (error) {
      failure = error;
    }
  });
  if (failure !== undefined) {
    // Keep what was registered before the failure, for tests that prove nothing was.
    if (typeof failure === "object" && failure !== null) Object.assign(failure, { registeredBeforeFailure: resources });
    throw failure;
  }
  return {
    outputs,
    resources,
    calls,
    get(type, name) {
      const found = resources.find((r) => r.type === type && r.name === name);
      if (!found) throw new Error(`No ${type} named ${name}; registered: ${resources.map((r) => `${r.type}/${r.name}`).join(", ")}`);
      return found;
    },
    ofType(type) {
      return resources.filter((r) => r.type === type);
    },
  };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getCustom(): boolean;
  getObject(): { toJavaScript(): unknown } | undefined;
}
