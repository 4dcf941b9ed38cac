/**
 * examples/yaml-existing-cluster, a Pulumi YAML program using the provider plugin's schema directly
 * (no SDK), under the real engine with the pulumi-yaml language host built by setup, against the
 * ARM emulator: preview, up, a second up with no writes, drift and refresh, destroy restoring.
 */
import { describeExistingClusterExample } from "./support/existing-cluster-example";

jest.setTimeout(180_000);

describeExistingClusterExample({ example: "yaml-existing-cluster", label: "yaml" });
