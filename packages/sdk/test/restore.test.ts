import { AZURE_DEFAULT_KUBE_PROXY_CONFIG, restoreTargetOf } from "@aks-kube-proxy/sdk";

describe("restoreTargetOf: the one restore target", () => {
  test.each([[null], [undefined], [{}]])("previous %p (never set) restores Azure's default, enabled IPTABLES, explicitly", (previous) => {
    const target = restoreTargetOf(previous);
    expect(target.settings).toEqual({ enabled: true, mode: "IPTABLES" });
    expect(target.settings).toEqual(AZURE_DEFAULT_KUBE_PROXY_CONFIG);
    expect(target.allowDisable).toBe(false);
    expect(target.reason).toMatch(/never set/);
  });

  test("previous settings are restored as they were; a disabled kube-proxy allows the disable", () => {
    expect(restoreTargetOf({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } })).toMatchObject({ settings: { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } }, allowDisable: false });
    expect(restoreTargetOf({ enabled: false })).toMatchObject({ settings: { enabled: false }, allowDisable: true });
  });
});
