// Command pulumi-language-nodejs is this project's minimal Node.js language host for the Pulumi engine.
//
// Why it exists: the official host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is
// refused by the Go module proxy (403 "This module version is not available" for every version tried), so it cannot
// be built here. This host implements the engine's public gRPC interface (pulumirpc.LanguageRuntimeServer) with
// only what `pulumi preview/up/refresh/destroy/import` of a Node.js program need: it runs the program through the
// Node SDK's own runner (`@pulumi/pulumi/cmd/run`, resolved from the program's directory, which compiles TypeScript
// with ts-node exactly as with the official host).
//
// Not supported (the RPCs answer Unimplemented, or do nothing): plugin discovery from node_modules
// (GetRequiredPackages answers an empty list: the engine then loads each provider when the program first uses it,
// so automatic plugin download is never needed), `pulumi install` (InstallDependencies does nothing: install with
// pnpm), the bun runtime, debugger attachment, code generation, `pulumi new` templates, policy packs and
// RunPlugin (Node.js providers as plugins), `pulumi package link`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aks-kube-proxy/tools/pulumi/internal/langhost"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// runnerModule is the Node SDK's program runner, resolved from the program directory.
const runnerModule = "@pulumi/pulumi/cmd/run"

func main() {
	langhost.Serve(langhost.ServeOptions{
		Name:         "pulumi-language-nodejs",
		Runtime:      "nodejs",
		RuntimeTitle: "Node.js",
		TracingUsage: "accepted for compatibility; tracing is not supported",
		WatchEngine:  true,
		NewHost: func(engineAddress string) pulumirpc.LanguageRuntimeServer {
			return &languageHost{Base: langhost.Base{EngineAddress: engineAddress}}
		},
	})
}

// languageHost answers what langhost.Base does not: About and Run.
type languageHost struct {
	langhost.Base
}

// About reports the node executable and its version.
func (h *languageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not on PATH: %w", err)
	}
	return langhost.AboutExecutable(ctx, node, "--version"), nil
}

// runOptions are the `runtime.options` of Pulumi.yaml this host honours.
type runOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseRunOptions(options map[string]any) (runOptions, error) {
	opts := runOptions{typescript: true}
	if v, ok := options["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return opts, errors.New("runtime option typescript must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := options["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("runtime option tsconfig must be a string")
		}
		opts.tsconfig = s
	}
	if v, ok := options["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("runtime option nodeargs must be a string")
		}
		opts.nodeargs = strings.Fields(s)
	}
	return opts, nil
}

// Run runs the program once with `node @pulumi/pulumi/cmd/run`, which connects to the engine's resource monitor.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := langhost.ProgramDirectory(req)
	opts, err := parseRunOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find node on the PATH: %v", err)}, nil
	}
	runner, err := resolveModule(ctx, node, programDir, runnerModule)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	var env []string
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return h.RunProgram(ctx, req, langhost.Program{
		Tool:       "node",
		Executable: node,
		RunnerArgs: append(append([]string{}, opts.nodeargs...), runner),
		Env:        env,
		Dir:        programDir,
	})
}

// resolveModule finds a module's file the way the program itself would: Node's resolution from programDir.
func resolveModule(ctx context.Context, node, programDir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e", "process.stdout.write(require.resolve(process.argv[1]))", module)
	cmd.Dir = programDir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		first, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return "", fmt.Errorf("could not find %s from %s (is @pulumi/pulumi a dependency of the program? run pnpm install): %v %s",
			module, programDir, err, first)
	}
	path := strings.TrimSpace(string(out))
	if _, statErr := os.Stat(path); statErr != nil {
		return "", fmt.Errorf("%s resolved to %s, which does not exist: %w", module, path, statErr)
	}
	return filepath.Clean(path), nil
}
