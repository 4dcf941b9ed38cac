/**
 * The control surface: in-process ({@link createControl}) and over HTTP under `/_emulator/`
 * ({@link handleControlRequest}, JSON in and out) for spawned processes.
 */
import { armError, clone, isObject, type ArmResponse } from "./http";
import { checkAksThrottling, checkClusterSeed, checkFaultSpec, checkThrottling, checkTimings } from "./controlValues";
import { newEtag } from "./ids";
import { effectiveMode } from "./specRules";
import type { FaultRegistry } from "./faults";
import type { RequestLog } from "./log";
import { clusterFacts, storedKubeProxyConfig, viewCluster } from "./state/clusters";
import { forceFeatureState, KUBE_PROXY_FEATURE } from "./state/features";
import type { EmulatorStore } from "./state/store";
import type { Throttler } from "./throttle";
import type { AksThrottler } from "./aksThrottle";
import type { AksThrottlingSettings, ClusterRefArgs, EmulatorControl, EmulatorTimings, FaultSpec, FeatureRef, ThrottlingSettings } from "./types";
import type { KubeRuntime } from "./kube/runtime";
import type { KubeFaultSpec } from "./kube/types";

/** What the control surface acts on. */
export interface ControlDeps {
  store: EmulatorStore;
  faults: FaultRegistry;
  log: RequestLog;
  throttler: Throttler;
  aksThrottler: AksThrottler;
  initialTimings: EmulatorTimings;
  initialThrottling: ThrottlingSettings | undefined;
  initialAksThrottling: AksThrottlingSettings | false | undefined;
  /** The emulated Kubernetes side, and the data-plane faults a reset goes back to. */
  kube?: KubeRuntime;
  initialKubeFaults?: KubeFaultSpec[];
}

/** Builds the in-process control object. */
export function createControl(deps: ControlDeps): EmulatorControl {
  const { store } = deps;
  const find = (ref: ClusterRefArgs) => {
    const sub = store.getSubscription(ref.subscriptionId ?? store.defaultSubscriptionId());
    return sub ? store.getCluster(sub, ref.resourceGroup, ref.name) : undefined;
  };
  const sub = (id: string | undefined) => store.ensureSubscription(id ?? store.defaultSubscriptionId());
  return {
    seedCluster(seed) {
      checkClusterSeed(seed);
      store.seedCluster(seed);
    },
    getCluster(ref) {
      const cluster = find(ref);
      return cluster ? viewCluster(cluster.raw, undefined) : undefined;
    },
    updateCluster(ref, mutate) {
      const cluster = find(ref);
      if (!cluster) throw new Error(`No cluster ${ref.resourceGroup}/${ref.name} in subscription ${ref.subscriptionId ?? store.defaultSubscriptionId()}.`);
      const copy = clone(cluster.raw);
      mutate(copy);
      copy.eTag = newEtag();
      cluster.raw = copy;
    },
    effectiveKubeProxyMode(ref) {
      const cluster = find(ref);
      if (!cluster) return undefined;
      const facts = clusterFacts(cluster.raw);
      return effectiveMode(storedKubeProxyConfig(cluster.raw), facts.kubernetesVersion, facts.networkDataplane);
    },
    setFeatureState(args) {
      const feature = store.feature(sub(args.subscriptionId), args.namespace ?? KUBE_PROXY_FEATURE.namespace, args.name);
      forceFeatureState(feature, args.state, store.now());
    },
    getFeatureState(args: FeatureRef) {
      return store.feature(sub(args.subscriptionId), args.namespace ?? KUBE_PROXY_FEATURE.namespace, args.name).state;
    },
    getProviderState(args) {
      return store.provider(sub(args.subscriptionId), args.namespace).state;
    },
    requestLog() {
      return deps.log.list();
    },
    clearRequestLog() {
      deps.log.clear();
    },
    addFault(fault: FaultSpec) {
      checkFaultSpec(fault);
      deps.faults.add(fault);
    },
    clearFaults() {
      deps.faults.clear();
      deps.kube?.faults.clear();
    },
    addKubeFault(fault) {
      if (!deps.kube) throw new Error("This emulator has no Kubernetes side.");
      deps.kube.faults.add(fault);
    },
    clearKubeFaults() {
      deps.kube?.faults.clear();
    },
    kubeState(ref) {
      const cluster = find(ref);
      if (!cluster || !deps.kube) return undefined;
      return deps.kube.model.summary(cluster, deps.kube.serverFor(cluster));
    },
    setTimings(t: Partial<EmulatorTimings>) {
      checkTimings(t, Object.keys(store.timings));
      store.timings = { ...store.timings, ...definedOnly(t) };
    },
    finishOperations() {
      return store.finishOperations();
    },
    setThrottling(t) {
      checkThrottling(t);
      deps.throttler.configure(t);
    },
    setAksThrottling(t) {
      checkAksThrottling(t);
      deps.aksThrottler.configure(t);
    },
    reset() {
      store.timings = { ...deps.initialTimings };
      store.reset();
      deps.faults.clear();
      deps.kube?.faults.clear();
      for (const fault of deps.initialKubeFaults ?? []) deps.kube?.faults.add(fault);
      deps.log.clear();
      deps.throttler.configure(deps.initialThrottling);
      deps.aksThrottler.configure(deps.initialAksThrottling);
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === "number" && Number.isFinite(v))) as Partial<T>;
}

function ok(body: unknown = { ok: true }): ArmResponse {
  return { status: 200, body };
}

function bad(message: string): ArmResponse {
  return armError(400, "InvalidControlRequest", message);
}

/** Keys that would reach an object's prototype when assigned: refused in every control request. */
export const FORBIDDEN_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/**
 * The JSON path of the first `__proto__`/`constructor`/`prototype` key in `value`, or undefined.
 * @internal
 */
export function findForbiddenKey(value: unknown, path = "$", depth = 0): string | undefined {
  if (depth > 64 || typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findForbiddenKey(v, `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const k of Object.keys(value)) {
    if (FORBIDDEN_KEYS.includes(k)) return `${path}.${k}`;
    const found = findForbiddenKey((value as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** RFC 7386 JSON merge patch (used by PATCH /_emulator/clusters/... for out-of-band changes). Refuses prototype keys. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (FORBIDDEN_KEYS.includes(k)) throw new Error(`The key "${k}" is refused in a merge patch.`);
    if (v === null) Reflect.deleteProperty(target, k);
    else if (isObject(v) && isObject(target[k])) mergePatch(target[k], v);
    else target[k] = clone(v);
  }
}

function clusterRefFrom(parts: string[]): ClusterRefArgs {
  const [subscriptionId = "", resourceGroup = "", name = ""] = parts;
  return { subscriptionId, resourceGroup, name };
}

/**
 * HTTP control API. Routes (JSON):
 * GET  /_emulator/health | /_emulator/info
 * GET  /_emulator/requests ; DELETE /_emulator/requests
 * POST /_emulator/clusters (ClusterSeed) ; GET|PATCH /_emulator/clusters/{sub}/{rg}/{name} (PATCH = JSON merge patch)
 * GET  /_emulator/clusters/{sub}/{rg}/{name}/effective-kube-proxy-mode
 * PUT  /_emulator/features ({subscriptionId?, namespace?, name, state}) ; GET /_emulator/features/{sub}/{namespace}/{name}
 * GET  /_emulator/providers/{sub}/{namespace}
 * POST /_emulator/faults (FaultSpec) ; DELETE /_emulator/faults
 * PUT  /_emulator/timings (Partial<EmulatorTimings>) ; PUT /_emulator/throttling (settings or false)
 * POST /_emulator/operations/finish (ends every running operation now; answers {finished: N})
 * PUT  /_emulator/aks-throttling (AksThrottlingSettings or false)
 * POST /_emulator/reset
 * Every body is refused (400) when it holds a `__proto__`, `constructor` or `prototype` key at any depth.
 */
export function handleControlRequest(control: EmulatorControl, info: Record<string, unknown>, method: string, path: string, body: unknown): ArmResponse {
  const parts = path.replace(/^\/_emulator\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [head, ...rest] = parts;
  const forbidden = findForbiddenKey(body);
  if (forbidden) return bad(`The key at ${forbidden} is refused: __proto__, constructor and prototype keys could change the emulator's own objects.`);
  try {
    switch (`${method} ${head ?? ""}`) {
      case "GET health":
        return ok({ status: "ok" });
      case "GET info":
        return ok(info);
      case "GET requests":
        return ok({ value: control.requestLog() });
      case "DELETE requests":
        control.clearRequestLog();
        return ok();
      case "POST clusters":
        if (!isObject(body) || typeof body.resourceGroup !== "string" || typeof body.name !== "string") return bad("Body must be a ClusterSeed with resourceGroup and name.");
        control.seedCluster(body as never);
        return { status: 201, body: control.getCluster(body as never) };
      case "GET clusters": {
        if (rest.length === 4 && rest[3] === "effective-kube-proxy-mode") {
          const mode = control.effectiveKubeProxyMode(clusterRefFrom(rest));
          return mode === undefined ? armError(404, "ClusterNotFound", "No such cluster.") : ok({ mode });
        }
        if (rest.length !== 3) return bad("Use /_emulator/clusters/{subscriptionId}/{resourceGroup}/{name}.");
        const cluster = control.getCluster(clusterRefFrom(rest));
        return cluster ? ok(cluster) : armError(404, "ClusterNotFound", "No such cluster.");
      }
      case "PATCH clusters": {
        if (rest.length !== 3 || !isObject(body)) return bad("PATCH /_emulator/clusters/{subscriptionId}/{resourceGroup}/{name} with a JSON merge patch body.");
        const ref = clusterRefFrom(rest);
        if (!control.getCluster(ref)) return armError(404, "ClusterNotFound", "No such cluster.");
        control.updateCluster(ref, (raw) => mergePatch(raw, body));
        return ok(control.getCluster(ref));
      }
      case "PUT features":
        if (!isObject(body) || typeof body.name !== "string" || typeof body.state !== "string") return bad("Body must be {subscriptionId?, namespace?, name, state}.");
        control.setFeatureState(body as never);
        return ok({ state: control.getFeatureState(body as never) });
      case "GET features": {
        if (rest.length !== 3) return bad("Use /_emulator/features/{subscriptionId}/{namespace}/{name}.");
        const [subscriptionId, namespace, name = ""] = rest;
        return ok({ state: control.getFeatureState({ subscriptionId, namespace, name }) });
      }
      case "GET providers": {
        if (rest.length !== 2) return bad("Use /_emulator/providers/{subscriptionId}/{namespace}.");
        const [subscriptionId, namespace = ""] = rest;
        return ok({ registrationState: control.getProviderState({ subscriptionId, namespace }) });
      }
      case "POST faults":
        if (!isObject(body) || typeof body.kind !== "string") return bad("Body must be a FaultSpec.");
        control.addFault(body as FaultSpec);
        return ok();
      case "DELETE faults":
        control.clearFaults();
        return ok();
      case "PUT timings":
        if (!isObject(body)) return bad("Body must be a partial EmulatorTimings.");
        control.setTimings(body as Partial<EmulatorTimings>);
        return ok();
      case "POST operations":
        if (rest.join("/") !== "finish") return armError(404, "NotFound", `No control route ${method} ${path}.`);
        return ok({ finished: control.finishOperations() });
      case "PUT throttling":
        if (body !== false && !isObject(body)) return bad("Body must be throttling settings or false.");
        control.setThrottling(body as ThrottlingSettings);
        return ok();
      case "PUT aks-throttling":
        if (body !== false && !isObject(body)) return bad("Body must be AKS throttling settings or false.");
        control.setAksThrottling(body as AksThrottlingSettings | false);
        return ok();
      case "POST kube":
        if (rest.join("/") !== "faults" || !isObject(body)) return bad("POST /_emulator/kube/faults with a KubeFaultSpec body.");
        control.addKubeFault(body as KubeFaultSpec);
        return ok();
      case "DELETE kube":
        if (rest.join("/") !== "faults") return armError(404, "NotFound", `No control route ${method} ${path}.`);
        control.clearKubeFaults();
        return ok();
      case "GET kube": {
        if (rest.length !== 3) return bad("Use /_emulator/kube/{subscriptionId}/{resourceGroup}/{name}.");
        const state = control.kubeState(clusterRefFrom(rest));
        return state ? ok(state) : armError(404, "ClusterNotFound", "No such cluster, or its API server is not up yet (being created).");
      }
      case "POST reset":
        control.reset();
        return ok();
      default:
        return armError(404, "NotFound", `No control route ${method} ${path}.`);
    }
  } catch (error) {
    return bad(error instanceof Error ? error.message : String(error));
  }
}
