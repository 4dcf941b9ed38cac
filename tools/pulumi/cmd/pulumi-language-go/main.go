// Command pulumi-language-go is this project's Go language host (the official one,
// github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3, is refused by the Go module proxy). Run builds the program
// with `go build` (or runs the runtime option `binary`) and starts it with the environment the Go SDK's pulumi.Run
// reads; GeneratePackage generates Go SDKs with pkg/v3/codegen/go (`pulumi package gen-sdk --language go`). See
// tools/pulumi/README.md for what it does not do.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/aks-kube-proxy/tools/pulumi/internal/gensdk"
	"github.com/aks-kube-proxy/tools/pulumi/internal/langhost"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func main() {
	langhost.Serve(langhost.ServeOptions{
		Name:         "pulumi-language-go",
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

// About reports the go executable and its version.
func (h *languageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("could not find go on the PATH: %w", err)
	}
	return langhost.AboutExecutable(ctx, goCmd, "env", "GOVERSION"), nil
}

// GeneratePackage generates a Go SDK from a schema (pulumi package gen-sdk --language go).
func (h *languageHost) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return gensdk.Generate(ctx, gensdk.Go, req)
}

// Run builds the program (unless the runtime option binary names one) and runs it once; the binary connects to the
// engine's resource monitor through pulumi.Run.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := langhost.ProgramDirectory(req)
	binary, err := binaryOption(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	if binary == "" {
		buildDir, err := os.MkdirTemp("", "pulumi-go-")
		if err != nil {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not make a folder for the program's binary: %v", err)}, nil
		}
		defer os.RemoveAll(buildDir)
		binary = filepath.Join(buildDir, "program")
		if err := goBuild(ctx, programDir, req.GetInfo().GetEntryPoint(), binary); err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
	} else if !filepath.IsAbs(binary) {
		binary = filepath.Join(programDir, binary)
	}
	return h.RunBinary(ctx, req, langhost.Program{Tool: "the Go program", Executable: binary, Dir: programDir})
}

// binaryOption is the runtime option binary: a program built beforehand, relative to the program's directory.
func binaryOption(options map[string]any) (string, error) {
	v, ok := options["binary"]
	if !ok {
		return "", nil
	}
	s, isString := v.(string)
	if !isString {
		return "", errors.New("runtime option binary must be a string")
	}
	return s, nil
}

// goBuild builds the package at entryPoint (relative to programDir, "." when empty) into out; go's messages go to
// this host's stderr, which the engine shows.
func goBuild(ctx context.Context, programDir, entryPoint, out string) error {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("could not find go on the PATH to build the program: %w", err)
	}
	pkg := "."
	if entryPoint != "" && entryPoint != "." {
		pkg = "./" + filepath.ToSlash(filepath.Clean(entryPoint))
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", out, pkg)
	cmd.Dir = programDir
	cmd.Stdout = struct{ io.Writer }{os.Stderr}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s in %s failed: %w", pkg, programDir, err)
	}
	return nil
}
