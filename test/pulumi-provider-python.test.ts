/**
 * examples/python-existing-cluster, a Python program using the Python SDK generated from the provider plugin's schema
 * (`pulumi package gen-sdk`, by setup), under the real engine with this project's Python language host, against the
 * ARM emulator: preview, up, a second up with no writes, drift and refresh, destroy restoring.
 */
import { describeExistingClusterExample } from "./support/existing-cluster-example";

jest.setTimeout(180_000);

describeExistingClusterExample({ example: "python-existing-cluster", label: "python" });
