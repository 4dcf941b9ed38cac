/**
 * Raw-JSON requests sent through the Azure SDK client's own pipeline (`ServiceClient.sendRequest` of
 * `ContainerServiceClient`): the same authentication, retry, throttling, logging and user-agent policies as the
 * generated operations, without the generated model, which drops every property it does not know.
 * @packageDocumentation
 */
import type { ServiceClient } from "@azure/core-client";
import { createHttpHeaders, createPipelineRequest, type HttpMethods, type RawHttpHeaders } from "@azure/core-rest-pipeline";
import { ValidationError } from "../errors";
import type { HeaderSource } from "../poll";
import { armErrorFromThrown, type ArmErrorContext } from "./errors";
import { trackAttempts, type AttemptTracker } from "./pipeline";

/** A raw ARM request. @internal */
export interface ArmRequest {
  readonly method: HttpMethods;
  /** An ARM path (with query) or an absolute URL on the same host (operation URLs, nextLinks). */
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: RawHttpHeaders;
  readonly abortSignal?: AbortSignal;
  readonly context: ArmErrorContext;
  /** Filled in with each attempt the pipeline sends and the status it got back (see `attemptTrackerPolicy`). */
  readonly attempts?: AttemptTracker;
}

/** A raw ARM answer (any status). @internal */
export interface ArmResponse {
  readonly status: number;
  readonly headers: HeaderSource;
  /** Parsed JSON body, or undefined when empty or not JSON. */
  readonly body: unknown;
  /** The body text, exactly as received. */
  readonly bodyText: string | undefined;
  readonly requestId: string | undefined;
}

/** Sends raw JSON through a client's pipeline. @internal */
export class ArmTransport {
  private readonly origin: string;
  constructor(
    private readonly client: ServiceClient,
    readonly endpoint: string,
  ) {
    this.origin = new URL(endpoint).origin;
  }

  /** Resolves `url` against the endpoint; refuses another origin so a token is never sent elsewhere. */
  resolveUrl(url: string): string {
    const absolute = new URL(url, `${this.endpoint}/`);
    if (absolute.origin !== this.origin) {
      throw new ValidationError(`Refusing to send credentials to ${absolute.origin}: operation and paging URLs must be on the ARM endpoint ${this.origin}.`, [
        { path: "url", message: "URL on another host than the ARM endpoint", found: absolute.origin, allowed: this.origin },
      ]);
    }
    return absolute.toString();
  }

  /** Sends a request; non-2xx answers are returned, not thrown. Network failures (after retries) and aborts throw typed errors. */
  async send(request: ArmRequest): Promise<ArmResponse> {
    const pipelineRequest = createPipelineRequest({
      url: this.resolveUrl(request.url),
      method: request.method,
      headers: createHttpHeaders({ accept: "application/json", ...(request.body !== undefined ? { "content-type": "application/json; charset=utf-8" } : {}), ...request.headers }),
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
    });
    if (request.attempts) trackAttempts(pipelineRequest, request.attempts);
    let response;
    try {
      response = await this.client.sendRequest(pipelineRequest);
    } catch (error) {
      throw armErrorFromThrown(error, request.context, request.abortSignal);
    }
    const bodyText = response.bodyAsText ?? undefined;
    let body: unknown = undefined;
    if (bodyText !== undefined && bodyText.trim() !== "") {
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = undefined;
      }
    }
    return { status: response.status, headers: response.headers, body, bodyText, requestId: response.headers.get("x-ms-request-id") ?? undefined };
  }
}
