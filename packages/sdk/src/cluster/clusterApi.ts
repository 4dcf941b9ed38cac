/**
 * Raw managedClusters calls through a preview api-version (read, write, delete), shared by the apply poller, cluster
 * create and delete, and the client façade. Answers other than the expected ones become typed errors.
 * @packageDocumentation
 */
import { armErrorFromResponse, type ArmErrorContext } from "../arm/errors";
import type { AttemptTracker } from "../arm/pipeline";
import type { ArmResponse, ArmTransport } from "../arm/transport";
import { clusterPath, type ResolvedClusterRef } from "../clusterRef";
import { toClusterState, type ClusterState } from "../clusterState";
import type { KubeProxyError } from "../errors";
import type { Log } from "../log";
import { parseRetryAfterInMs, type PollingSettings } from "../poll";

/** "rg/name" for messages. @internal */
export function clusterLabel(ref: ResolvedClusterRef): string {
  return `${ref.resourceGroup}/${ref.name}`;
}

/** The managedClusters calls the SDK makes. @internal */
export class ClusterApi {
  constructor(
    readonly transport: ArmTransport,
    readonly apiVersion: string,
    readonly polling: PollingSettings,
    readonly log: Log,
  ) {}

  /** The cluster's URL with the api-version. */
  url(ref: ResolvedClusterRef): string {
    return `${clusterPath(ref)}?api-version=${encodeURIComponent(this.apiVersion)}`;
  }

  /** The typed error for a failed answer. */
  fail(response: ArmResponse, context: ArmErrorContext): KubeProxyError {
    const retryAfterInMs = parseRetryAfterInMs(response.headers);
    return armErrorFromResponse({ status: response.status, body: response.body, ...(response.requestId ? { requestId: response.requestId } : {}), context, ...(retryAfterInMs !== undefined ? { retryAfterInMs } : {}) });
  }

  /** GET the cluster; throws ClusterNotFoundError and the like. */
  async read(ref: ResolvedClusterRef, abortSignal: AbortSignal | undefined, requestIds?: string[]): Promise<ClusterState> {
    const label = clusterLabel(ref);
    const context = { operation: `read cluster ${label}`, cluster: label, subscriptionId: ref.subscriptionId };
    const response = await this.transport.send({ method: "GET", url: this.url(ref), context, ...(abortSignal ? { abortSignal } : {}) });
    if (response.requestId) requestIds?.push(response.requestId);
    if (response.status !== 200 || typeof response.body !== "object" || response.body === null) throw this.fail(response, context);
    return toClusterState(response.body as Record<string, unknown>, ref, response.headers.get("etag") ?? undefined);
  }

  /** GET the cluster, or undefined when it does not exist (404). */
  async readIfExists(ref: ResolvedClusterRef, abortSignal: AbortSignal | undefined, requestIds?: string[]): Promise<ClusterState | undefined> {
    const label = clusterLabel(ref);
    const context = { operation: `read cluster ${label}`, cluster: label, subscriptionId: ref.subscriptionId };
    const response = await this.transport.send({ method: "GET", url: this.url(ref), context, ...(abortSignal ? { abortSignal } : {}) });
    if (response.requestId) requestIds?.push(response.requestId);
    if (response.status === 404) return undefined;
    if (response.status !== 200 || typeof response.body !== "object" || response.body === null) throw this.fail(response, context);
    return toClusterState(response.body as Record<string, unknown>, ref, response.headers.get("etag") ?? undefined);
  }

  /** PUT the cluster's JSON; returns the raw answer (any status). */
  async put(ref: ResolvedClusterRef, body: unknown, headers: Record<string, string>, context: ArmErrorContext, abortSignal: AbortSignal | undefined, attempts?: AttemptTracker): Promise<ArmResponse> {
    return this.transport.send({ method: "PUT", url: this.url(ref), body, headers, context, ...(abortSignal ? { abortSignal } : {}), ...(attempts ? { attempts } : {}) });
  }
}
