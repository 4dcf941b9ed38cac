// Configure kube-proxy on an AKS cluster that already exists, from Go (the same as ../existing-cluster).
//
//	pulumi config set resourceGroupName my-rg
//	pulumi config set clusterName my-aks
//	pulumi config set aks-kube-proxy:subscriptionId 00000000-0000-0000-0000-000000000000   # or ARM_SUBSCRIPTION_ID
//	pulumi preview    # shows which kube-proxy settings change
//	pulumi up         # enables the preview in the subscription (once), then applies the settings file
//	pulumi destroy    # puts back the settings the cluster had before
//
// The KubeProxyConfig component comes from the aks-kube-proxy provider plugin (construct), through the Go SDK that
// `pulumi package gen-sdk` generated from the plugin's schema (go.mod replaces it with ../../.toolchain/pulumi-sdks/go).
package main

import (
	"github.com/aks-kube-proxy/aks-kube-proxy/sdk/go/akskubeproxy"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		args := &akskubeproxy.KubeProxyConfigArgs{
			SettingsFile:    pulumi.String("../existing-cluster/kube-proxy.json"),
			RestoreOnDelete: pulumi.Bool(true),
		}
		if clusterID := cfg.Get("clusterId"); clusterID != "" {
			args.ClusterId = pulumi.String(clusterID)
		} else {
			args.ResourceGroupName = pulumi.String(cfg.Require("resourceGroupName"))
			args.ClusterName = pulumi.String(cfg.Require("clusterName"))
		}
		if settingsFile := cfg.Get("settingsFile"); settingsFile != "" {
			args.SettingsFile = pulumi.String(settingsFile)
		}
		if restore, err := cfg.TryBool("restoreOnDelete"); err == nil {
			args.RestoreOnDelete = pulumi.Bool(restore)
		}

		kubeProxy, err := akskubeproxy.NewKubeProxyConfig(ctx, "kube-proxy", args)
		if err != nil {
			return err
		}
		ctx.Export("appliedSettings", kubeProxy.AppliedSettings)
		ctx.Export("previousSettings", kubeProxy.PreviousSettings)
		ctx.Export("apiVersion", kubeProxy.ApiVersion)
		ctx.Export("provisioningState", kubeProxy.ProvisioningState)
		ctx.Export("drift", kubeProxy.Drift)
		return nil
	})
}
