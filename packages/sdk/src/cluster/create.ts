/**
 * Creating a cluster with kube-proxy settings: validate, refuse an existing cluster, PUT with `If-None-Match: *`, follow
 * the operation, read back. When the answer to the accepted PUT is lost (a retried PUT then gets 412), the cluster is
 * re-read and adopted if it is being created, or was created, with our settings.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { operationFromHeaders, waitForArmOperation } from "../arm/lro";
import type { CreateClusterOptions } from "../clientOptions";
import type { ResolvedClusterRef } from "../clusterRef";
import type { ClusterState } from "../clusterState";
import { classifyProvisioningState } from "../convergence";
import { ClusterExistsError, OperationFailedError, OperationTimeoutError, PlanBlockedError, ValidationError, isKubeProxyError, withWriteContext, type KubeProxyError } from "../errors";
import { Deadline, deadlineSignal, formatDuration, parseRetryAfterInMs } from "../poll";
import { StepPoller, type StepPollerDefinition } from "../poller/stepPoller";
import { report } from "../progress";
import { checkKubeProxyRules } from "../rules";
import { effectiveKubeProxySettings, sameKubeProxySettings } from "../settings/effective";
import { parseKubeProxySettings } from "../settings/parse";
import { clusterLabel, type ClusterApi } from "./clusterApi";
import { DEFAULT_CLUSTER_LOCATION, DEFAULT_NETWORK_PLUGIN, DEFAULT_SYSTEM_POOL_NODE_COUNT, DEFAULT_SYSTEM_POOL_VM_SIZE, SYSTEM_POOL_NAME, SYSTEM_POOL_NODE_COUNT_RANGE } from "./defaults";

/** What {@link createClusterWithSettings} needs: the client's create options (the cluster named by `ref`), with a set timeout. @internal */
export interface CreateClusterArgs extends Omit<CreateClusterOptions, "resourceGroup" | "name" | "subscriptionId" | "timeoutInMs"> {
  readonly api: ClusterApi;
  readonly ref: ResolvedClusterRef;
  readonly timeoutInMs: number;
}

/**
 * Creates the cluster and waits for it. See the module comment.
 * @internal
 */
export async function createClusterWithSettings(args: CreateClusterArgs): Promise<ClusterState> {
  // The deadline bounds the whole create, the pipeline's retries and throttling sleeps included.
  const bound = deadlineSignal(args.timeoutInMs, args.abortSignal);
  let operationUrl: string | undefined;
  let sent = false;
  try {
    return await createBounded({ ...args, abortSignal: bound.signal }, (url) => (operationUrl = url), () => (sent = true));
  } catch (error) {
    if (bound.timedOut() && isKubeProxyError(error) && (error.code === "Aborted" || error.code === "Timeout")) {
      const label = clusterLabel(args.ref);
      const timeout = new OperationTimeoutError(`Creating ${label} did not finish within ${formatDuration(args.timeoutInMs)}.`, { ...(operationUrl ? { operationUrl } : {}) });
      throw sent ? withWriteContext(timeout, { writeAccepted: operationUrl !== undefined, writeMayHaveBeenSent: true, ...(operationUrl ? { operationUrl } : {}) }) : timeout;
    }
    throw error;
  } finally {
    bound.dispose();
  }
}

async function createBounded(args: CreateClusterArgs, onOperation: (url: string) => void, onSent: () => void): Promise<ClusterState> {
  const { api, ref, abortSignal, onProgress } = args;
  const label = clusterLabel(ref);
  const deadline = new Deadline(args.timeoutInMs);
  const context = { operation: `create cluster ${label}`, cluster: label, subscriptionId: ref.subscriptionId };
  const networkPlugin = args.networkPlugin ?? DEFAULT_NETWORK_PLUGIN;
  let settings: KubeProxyConfig | undefined;
  if (args.kubeProxyConfig !== undefined) {
    settings = parseKubeProxySettings(args.kubeProxyConfig, { source: "kubeProxyConfig" }).settings;
    const blockers = checkKubeProxyRules({
      facts: { networkPlugin, ...(args.networkPolicy ? { networkPolicy: args.networkPolicy } : {}), ...(args.kubernetesVersion ? { kubernetesVersion: args.kubernetesVersion } : {}) },
      current: effectiveKubeProxySettings(undefined),
      desired: settings,
      apiVersion: api.apiVersion,
      ...(args.allowDisable !== undefined ? { allowDisable: args.allowDisable } : {}),
    }).filter((f) => f.severity === "blocker");
    if (blockers.length) throw new PlanBlockedError(blockers, label);
  }
  const nodeCount = args.nodeCount ?? DEFAULT_SYSTEM_POOL_NODE_COUNT;
  const { min, max } = SYSTEM_POOL_NODE_COUNT_RANGE;
  if (!Number.isInteger(nodeCount) || nodeCount < min || nodeCount > max) {
    throw new ValidationError(`nodeCount must be an integer from ${min} to ${max}, found ${nodeCount}.`, [{ path: "nodeCount", message: "out of range", found: nodeCount, allowed: `${min}..${max}` }]);
  }
  report(onProgress, { phase: "reading" });
  const existing = await api.readIfExists(ref, abortSignal);
  if (existing) {
    throw new ClusterExistsError(`Cluster ${label} already exists; createCluster never modifies an existing cluster. Use apply to change its kube-proxy settings, or delete it first.`);
  }

  const dnsPrefix = ref.name.replace(/[^a-zA-Z0-9-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 45) || "aks";
  const networkProfile: Record<string, unknown> = { networkPlugin };
  if (args.networkPolicy) networkProfile["networkPolicy"] = args.networkPolicy;
  if (settings) networkProfile["kubeProxyConfig"] = settings;
  const body = {
    location: args.location ?? DEFAULT_CLUSTER_LOCATION,
    ...(args.tags ? { tags: args.tags } : {}),
    identity: { type: "SystemAssigned" },
    properties: {
      ...(args.kubernetesVersion ? { kubernetesVersion: args.kubernetesVersion } : {}),
      dnsPrefix,
      agentPoolProfiles: [{ name: SYSTEM_POOL_NAME, count: nodeCount, vmSize: args.vmSize ?? DEFAULT_SYSTEM_POOL_VM_SIZE, osType: "Linux", mode: "System", type: "VirtualMachineScaleSets" }],
      networkProfile,
    },
  };
  report(onProgress, { phase: "writing" });
  onSent();
  let lostAnswer: KubeProxyError | undefined;
  let response;
  try {
    response = await api.put(ref, body, { "if-none-match": "*" }, context, abortSignal);
  } catch (error) {
    if (!(isKubeProxyError(error) && error.code === "ArmError" && error.statusCode === undefined)) throw error;
    lostAnswer = error;
  }
  if (response && (response.status === 200 || response.status === 201 || response.status === 202)) {
    const operation = operationFromHeaders(response.headers);
    const retryAfter = parseRetryAfterInMs(response.headers);
    if (operation) onOperation(operation.url);
    report(onProgress, { phase: "accepted", ...(operation ? { operationUrl: operation.url } : {}), ...(response.requestId ? { requestId: response.requestId } : {}) });
    try {
      if (operation) await waitForArmOperation({ transport: api.transport, operation, deadline, polling: api.polling, requestIds: [], context, log: api.log, ...(abortSignal ? { abortSignal } : {}), ...(onProgress ? { onProgress } : {}), ...(retryAfter !== undefined ? { initialRetryAfterInMs: retryAfter } : {}) });
    } catch (error) {
      throw isKubeProxyError(error) ? withWriteContext(error, { writeAccepted: true, writeMayHaveBeenSent: true, ...(operation ? { operationUrl: operation.url } : {}) }) : error;
    }
    report(onProgress, { phase: "verifying" });
    return api.read(ref, abortSignal);
  }
  if (response && response.status !== 412) throw api.fail(response, context);
  // 412 on If-None-Match (a retried PUT whose first answer was lost: the cluster now exists) or a lost answer: adopt
  // the cluster if it is ours (being created or created with our settings), else it is someone else's.
  api.log.warning(`${label}: ${lostAnswer ? "the answer to the create was lost" : "the create got 412 (the cluster exists now)"}; reading it to see whether our create landed`);
  return adoptCreatedCluster({ ...args, settings, deadline, label, ...(lostAnswer ? { lostAnswer } : {}) });
}

async function adoptCreatedCluster(args: CreateClusterArgs & { settings: KubeProxyConfig | undefined; deadline: Deadline; label: string; lostAnswer?: KubeProxyError }): Promise<ClusterState> {
  const poller = new StepPoller(adoptionPoller(args), { provisioningState: undefined }, { polling: args.api.polling, deadline: args.deadline });
  return poller.pollUntilDone({ abortSignal: args.abortSignal });
}

/** The adoption wait: the provisioning state of the last read. @internal */
export interface AdoptionWaitState {
  readonly provisioningState: string | undefined;
}

/**
 * Adopting a cluster whose create answer was lost (or got 412) as a {@link StepPollerDefinition}: each step reads the
 * cluster; it is done when the cluster, created with our settings, reads Succeeded.
 * @internal
 */
export function adoptionPoller(args: CreateClusterArgs & { settings: KubeProxyConfig | undefined; label: string; lostAnswer?: KubeProxyError }): StepPollerDefinition<AdoptionWaitState, ClusterState> {
  const { api, ref, onProgress, label } = args;
  return {
    kind: "create-adoption",
    waitingFor: () => `waiting for ${label} to be created`,
    timeoutError: ({ provisioningState }) =>
      withWriteContext(new ClusterExistsError(`Cluster ${label} is still ${provisioningState} (being created with our settings); read it later.`), { writeAccepted: true, writeMayHaveBeenSent: true }),
    async step(_state, abortSignal) {
      const cluster = await api.readIfExists(ref, abortSignal);
      if (!cluster) {
        if (args.lostAnswer) throw withWriteContext(args.lostAnswer, { writeAccepted: false, writeMayHaveBeenSent: true });
        throw new ClusterExistsError(`Cluster ${label}: the create was refused with 412 but no cluster reads back; run create again.`);
      }
      const ours = sameKubeProxySettings(cluster.kubeProxyConfig, args.settings) && (cluster.networkPlugin ?? "").toLowerCase() === (args.networkPlugin ?? DEFAULT_NETWORK_PLUGIN).toLowerCase();
      if (!ours) {
        throw new ClusterExistsError(`Cluster ${label} exists with other settings than this create asked for (kube-proxy ${JSON.stringify(cluster.effective)}); it was not created by this call and is left alone. Use apply to change it, or delete it first.`);
      }
      const state = classifyProvisioningState(cluster.provisioningState, label);
      if (state === "succeeded") {
        report(onProgress, { phase: "verifying" });
        return { done: true, state: { provisioningState: cluster.provisioningState }, result: cluster };
      }
      if (state === "needs-reconcile") {
        throw new OperationFailedError(`Creating ${label} ended ${cluster.provisioningState}. Fix the cause, then delete the cluster and create it again (or apply the settings to reconcile it).`, { status: cluster.provisioningState ?? "Failed" }, {});
      }
      report(onProgress, { phase: "waiting-for-cluster", provisioningState: cluster.provisioningState ?? "Unknown" });
      return { done: false, state: { provisioningState: cluster.provisioningState } };
    },
  };
}
