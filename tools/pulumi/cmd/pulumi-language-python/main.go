// Command pulumi-language-python is this project's Python language host (the official one,
// github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3, is refused by the Go module proxy). Run starts
// the program with the `pulumi` Python SDK (from PyPI, in the program's virtualenv) through runner.py, which uses
// the SDK's own runtime (settings, stack, config); GeneratePackage generates Python SDKs with pkg/v3/codegen/python
// (`pulumi package gen-sdk --language python`). See tools/pulumi/README.md for what it does not do.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	_ "embed"

	"github.com/aks-kube-proxy/tools/pulumi/internal/gensdk"
	"github.com/aks-kube-proxy/tools/pulumi/internal/langhost"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// runnerSource is the program runner, given to Python with -c. It exits with langhost.UserActionableExitCode when
// the error was already shown to the user (the engine then prints nothing more).
//
//go:embed runner.py
var runnerSource string

func main() {
	langhost.Serve(langhost.ServeOptions{
		Name:         "pulumi-language-python",
		Runtime:      "python",
		RuntimeTitle: "Python",
		TracingUsage: "accepted for compatibility; tracing is not supported",
		WatchEngine:  true,
		NewHost: func(engineAddress string) pulumirpc.LanguageRuntimeServer {
			return &languageHost{Base: langhost.Base{EngineAddress: engineAddress}}
		},
	})
}

// languageHost answers what langhost.Base does not: About, GeneratePackage and Run.
type languageHost struct {
	langhost.Base
}

// About reports the python executable and its version.
func (h *languageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python, err := pythonCommand("", runOptions{})
	if err != nil {
		return nil, err
	}
	return langhost.AboutExecutable(ctx, python, "--version"), nil
}

// runOptions are the `runtime.options` of Pulumi.yaml this host honours.
type runOptions struct {
	virtualenv string
}

func parseRunOptions(options map[string]any) (runOptions, error) {
	opts := runOptions{}
	if v, ok := options["virtualenv"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("runtime option virtualenv must be a string")
		}
		opts.virtualenv = s
	}
	if v, ok := options["toolchain"]; ok && v != "pip" {
		return opts, fmt.Errorf("runtime option toolchain %v is not supported by this language host (only pip)", v)
	}
	return opts, nil
}

// pythonCommand is the virtualenv's python (relative to the program's directory), else PULUMI_PYTHON_CMD, else
// python3 from PATH.
func pythonCommand(programDir string, opts runOptions) (string, error) {
	if opts.virtualenv != "" {
		venv := opts.virtualenv
		if !filepath.IsAbs(venv) {
			venv = filepath.Join(programDir, venv)
		}
		python := filepath.Join(venv, "bin", "python")
		if _, err := os.Stat(python); err != nil {
			return "", fmt.Errorf("the virtualenv %s has no bin/python (create it and pip install the program's requirements): %w", venv, err)
		}
		return python, nil
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return exec.LookPath(cmd)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("could not find python3 on the PATH: %w", err)
	}
	return python, nil
}

// GeneratePackage generates a Python SDK from a schema (pulumi package gen-sdk --language python).
func (h *languageHost) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return gensdk.Generate(ctx, gensdk.Python, req)
}

// Run runs the program once with runner.py, which connects to the engine's resource monitor.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := langhost.ProgramDirectory(req)
	opts, err := parseRunOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	python, err := pythonCommand(programDir, opts)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return h.RunProgram(ctx, req, langhost.Program{
		Tool:       "python",
		Executable: python,
		RunnerArgs: []string{"-u", "-c", runnerSource},
		Dir:        programDir,
	})
}
