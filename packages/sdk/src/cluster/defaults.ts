/**
 * Defaults of cluster creation, named so that nobody mistakes them for Azure's: the region and system-pool VM size
 * AKS's own quickstarts use, and a one-node system pool (the smallest AKS allows).
 * @packageDocumentation
 */

/** Region of a created cluster when none is given: the region of the recorded `az aks create` traffic. */
export const DEFAULT_CLUSTER_LOCATION = "westus2";

/** VM size of the system node pool when none is given (the AKS quickstarts' size). */
export const DEFAULT_SYSTEM_POOL_VM_SIZE = "Standard_DS2_v2";

/** Nodes in the system pool when none is given. */
export const DEFAULT_SYSTEM_POOL_NODE_COUNT = 1;

/** Allowed node counts of the system pool. */
export const SYSTEM_POOL_NODE_COUNT_RANGE = { min: 1, max: 1000 } as const;

/** Network plugin of a created cluster when none is given. */
export const DEFAULT_NETWORK_PLUGIN = "azure";

/** Name of the system node pool. */
export const SYSTEM_POOL_NAME = "nodepool1";
