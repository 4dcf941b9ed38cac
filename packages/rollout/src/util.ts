/**
 * Small helpers shared by the rollout modules.
 * @packageDocumentation
 */

/**
 * A copy of `o` without its undefined members (journal and report documents carry no `undefined`).
 * @internal
 */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
