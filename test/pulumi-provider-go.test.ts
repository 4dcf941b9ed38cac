/**
 * examples/go-existing-cluster, a Go program using the Go SDK generated from the provider plugin's schema
 * (`pulumi package gen-sdk`, by setup), under the real engine with this project's Go language host (which builds the
 * program with `go build`, offline from the module cache setup filled), against the ARM emulator: preview, up, a
 * second up with no writes, drift and refresh, destroy restoring.
 */
import { describeExistingClusterExample } from "./support/existing-cluster-example";

jest.setTimeout(180_000);

describeExistingClusterExample({ example: "go-existing-cluster", label: "go" });
