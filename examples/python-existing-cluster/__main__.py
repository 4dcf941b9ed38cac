"""Configure kube-proxy on an AKS cluster that already exists, from Python (the same as ../existing-cluster).

    pulumi config set resourceGroupName my-rg
    pulumi config set clusterName my-aks
    pulumi config set aks-kube-proxy:subscriptionId 00000000-0000-0000-0000-000000000000   # or ARM_SUBSCRIPTION_ID
    pulumi preview    # shows which kube-proxy settings change
    pulumi up         # enables the preview in the subscription (once), then applies the settings file
    pulumi destroy    # puts back the settings the cluster had before

The KubeProxyConfig component comes from the aks-kube-proxy provider plugin (construct), through the Python SDK that
`pulumi package gen-sdk` generated from the plugin's schema (pulumi_aks_kube_proxy).
"""
import pulumi
import pulumi_aks_kube_proxy as aks_kube_proxy

config = pulumi.Config()
cluster_id = config.get("clusterId")
cluster = (
    {"cluster_id": cluster_id}
    if cluster_id is not None
    else {"resource_group_name": config.require("resourceGroupName"), "cluster_name": config.require("clusterName")}
)

kube_proxy = aks_kube_proxy.KubeProxyConfig(
    "kube-proxy",
    settings_file=config.get("settingsFile") or "../existing-cluster/kube-proxy.json",
    restore_on_delete=config.get_bool("restoreOnDelete") if config.get_bool("restoreOnDelete") is not None else True,
    **cluster,
)

pulumi.export("appliedSettings", kube_proxy.applied_settings)
pulumi.export("previousSettings", kube_proxy.previous_settings)
pulumi.export("apiVersion", kube_proxy.api_version)
pulumi.export("provisioningState", kube_proxy.provisioning_state)
pulumi.export("drift", kube_proxy.drift)
