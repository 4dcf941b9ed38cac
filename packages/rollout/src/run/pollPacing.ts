/**
 * How often a rollout polls each operation: as often as the AKS resource provider's operation-status budget allows
 * for the operations its subscription runs at once. The SDK's default backoff (5 s doubling to 30 s) suits one apply;
 * in a rollout it notices an operation's end up to 30 s late (a fifth of a kube-proxy update that takes two or three
 * minutes), for every cluster of every wave. The budget, not the backoff, is what bounds polling: the AKS resource
 * provider refills the operation-status budget of a subscription at 2 requests a second (AKS docs, "Throttling limits
 * on AKS resource provider APIs"), shared by every operation of the subscription. A rollout takes a share of it
 * ({@link OPERATION_STATUS_SHARE}, leaving the rest to other clients), and caps each operation's backoff at the
 * interval that keeps its subscription's polls within that share: 20 operations at once in a subscription poll at most
 * every 13.3 s each, 10 at most every 6.7 s (never more often than the client's base interval, never less often than
 * its maximum).
 * @packageDocumentation
 */

/**
 * The AKS resource provider's operation-status budget: requests refilled per second, per subscription (AKS docs,
 * "Throttling limits on AKS resource provider APIs": GET operation status, 200 burst, 2 per second).
 */
export const AKS_OPERATION_STATUS_PER_SECOND = 2;

/** The share of the operation-status budget a rollout's polls use; the rest is left to other clients. */
export const OPERATION_STATUS_SHARE = 0.75;

/**
 * The longest wait between two polls of one operation that keeps `inFlightInSubscription` operations of a subscription
 * within the rollout's share of the operation-status budget (what the rollout passes as the SDK's `maxPollIntervalInMs`).
 * @param inFlightInSubscription - operations of the subscription polled at once (its concurrency bound)
 * @param operationStatusPerSecond - the budget's refill rate @default {@link AKS_OPERATION_STATUS_PER_SECOND}
 */
export function operationPollCapInMs(inFlightInSubscription: number, operationStatusPerSecond = AKS_OPERATION_STATUS_PER_SECOND): number {
  return Math.ceil((Math.max(1, inFlightInSubscription) / (operationStatusPerSecond * OPERATION_STATUS_SHARE)) * 1000);
}
