/**
 * Turning flags into what the SDK needs: the desired settings (file or inline flags), the selected clusters and
 * durations; bad combinations are refused with the flag to use instead.
 */
import * as sdk from "@aks-kube-proxy/sdk";
import { resolveClusterSelection } from "../src/inputs/clusters";
import { inlineSettingsDocument, readDesiredSettings } from "../src/inputs/settings";
import { CliUsageError } from "../src/runtime/cli-error";
import { formatDuration, parseDurationInMs } from "../src/runtime/duration";
import { shellQuote } from "../src/commands/emulator";

describe("settings flags", () => {
  it("builds the az file shape from inline flags, numbers as numbers", () => {
    expect(inlineSettingsDocument({ mode: "IPVS", ipvsScheduler: "LeastConnection", tcpTimeout: "900", tcpFinTimeout: "120", udpTimeout: "300" })).toEqual({
      mode: "IPVS",
      ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 },
    });
    expect(inlineSettingsDocument({ disableKubeProxy: true })).toEqual({ enabled: false });
    expect(inlineSettingsDocument({})).toBeUndefined();
  });

  it("passes a non-numeric timeout on as text so the SDK checks it, and names the flag, not the JSON path", async () => {
    await expect(readDesiredSettings(sdk, { mode: "IPVS", tcpTimeout: "15m" })).rejects.toMatchObject({ code: "InvalidInput", message: expect.stringMatching(/^--tcp-timeout 15m: expected an integer/) });
  });

  it("validates inline flags with the SDK and keeps --disable-kube-proxy as the confirmation", async () => {
    const desired = await readDesiredSettings(sdk, { disableKubeProxy: true });
    expect(desired).toMatchObject({ settings: { enabled: false }, allowDisable: true, source: "command-line flags" });
  });

  it("refuses a file together with inline flags, and no settings at all", async () => {
    await expect(readDesiredSettings(sdk, { kubeProxyConfig: "x.json", mode: "IPVS" })).rejects.toBeInstanceOf(CliUsageError);
    await expect(readDesiredSettings(sdk, {})).rejects.toThrow("--kube-proxy-config FILE");
  });
});

describe("cluster selection", () => {
  const id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c";

  it("selects by -g/-n, by --ids, by group or the whole subscription where listing is allowed", () => {
    expect(resolveClusterSelection(sdk, { resourceGroup: "rg", name: "c" })).toEqual({ kind: "refs", refs: [{ resourceGroup: "rg", name: "c" }] });
    expect(resolveClusterSelection(sdk, { ids: [id] })).toEqual({ kind: "refs", refs: [{ id }] });
    expect(resolveClusterSelection(sdk, { resourceGroup: "rg" }, { listing: true })).toEqual({ kind: "group", resourceGroup: "rg" });
    expect(resolveClusterSelection(sdk, { all: true }, { listing: true })).toEqual({ kind: "all" });
  });

  it("refuses combinations that do not make sense, saying what to add", () => {
    expect(() => resolveClusterSelection(sdk, { name: "c" })).toThrow("add -g <resource-group>");
    expect(() => resolveClusterSelection(sdk, { resourceGroup: "rg" })).toThrow("add -n <name>");
    expect(() => resolveClusterSelection(sdk, { ids: [id], name: "c" })).toThrow("not both");
    expect(() => resolveClusterSelection(sdk, { all: true, resourceGroup: "rg" }, { listing: true })).toThrow("--all");
    expect(() => resolveClusterSelection(sdk, {})).toThrow("Say which cluster");
  });

  it("refuses a malformed resource id through the SDK's parser", () => {
    expect(() => resolveClusterSelection(sdk, { ids: ["/subscriptions/x/clusters/y"] })).toThrow(expect.objectContaining({ code: "ValidationError" }));
  });
});

describe("durations", () => {
  it("parses the units people type", () => {
    expect(parseDurationInMs("30m", "--timeout")).toBe(1_800_000);
    expect(parseDurationInMs("1h30m", "--timeout")).toBe(5_400_000);
    expect(parseDurationInMs("250ms", "--timeout")).toBe(250);
    expect(parseDurationInMs("90", "--timeout")).toBe(90_000);
  });

  it("refuses what is not a duration, naming the flag", () => {
    expect(() => parseDurationInMs("soon", "--timeout")).toThrow('--timeout "soon" is not a duration');
    expect(() => parseDurationInMs("0s", "--poll-interval")).toThrow("--poll-interval must be longer than zero");
  });

  it("formats for people", () => {
    expect([formatDuration(850), formatDuration(3400), formatDuration(125_000)]).toEqual(["850ms", "3.4s", "2m05s"]);
  });
});

describe("shellQuote", () => {
  it("leaves plain values alone and single-quotes the rest", () => {
    expect(shellQuote("https://127.0.0.1:8443")).toBe("https://127.0.0.1:8443");
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
  });
});
