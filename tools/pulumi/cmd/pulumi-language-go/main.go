// Command pulumi-language-go is a code-generation-only Go language host: it answers GeneratePackage (what
// `pulumi package gen-sdk --language go` calls) with pkg/v3/codegen/go, and nothing else. Running Go programs is not
// what it is for (the official host, github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3, does that).
package main

import (
	"context"

	"github.com/aks-kube-proxy/tools/pulumi/internal/gensdk"
	"github.com/aks-kube-proxy/tools/pulumi/internal/langhost"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// codegenHost answers Handshake, GetPluginInfo and GeneratePackage; every other RPC is Unimplemented.
type codegenHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
}

func (h *codegenHost) Handshake(context.Context, *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *codegenHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *codegenHost) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return gensdk.Generate(ctx, gensdk.Go, req)
}

func main() {
	langhost.Serve(langhost.ServeOptions{
		Name:         "pulumi-language-go",
		TracingUsage: "accepted for compatibility",
		NewHost:      func(string) pulumirpc.LanguageRuntimeServer { return &codegenHost{} },
	})
}
