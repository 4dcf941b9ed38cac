/**
 * The findings the component shows as Pulumi warnings: the SDK parser's, for inline settings and settings files.
 */
import { join } from "node:path";
import { settingsFindings } from "../src/settingsWarnings";

const DOCS_FILE = join(__dirname, "..", "..", "..", "examples", "existing-cluster", "kube-proxy.json");

test("the AKS docs' settings file yields one legacy-key-casing finding per upper-case key, with its JSON path", async () => {
  expect(await settingsFindings({ settingsFile: DOCS_FILE })).toEqual([
    expect.stringMatching(/^\[legacy-key-casing\] \$\.ipvsConfig\.TCPTimeoutSeconds: "TCPTimeoutSeconds" read as "tcpTimeoutSeconds"/),
    expect.stringMatching(/^\[legacy-key-casing\] \$\.ipvsConfig\.TCPFINTimeoutSeconds: /),
    expect.stringMatching(/^\[legacy-key-casing\] \$\.ipvsConfig\.UDPTimeoutSeconds: /),
  ]);
});

test("inline settings in the API's spelling have no finding; settings that do not parse have none either (check reports them)", async () => {
  expect(await settingsFindings({ settings: { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } } })).toEqual([]);
  expect(await settingsFindings({ settings: { mode: 42 } })).toEqual([]);
  expect(await settingsFindings({ settingsFile: "/nonexistent/kube-proxy.json" })).toEqual([]);
});
