// Package gensdk answers the language host's GeneratePackage RPC (what `pulumi package gen-sdk` calls) with the
// Pulumi code generators of pkg/v3/codegen: it binds the schema the engine sends, with the engine's schema loader for
// referenced packages, runs the language's generator, and writes the files into the requested directory.
package gensdk

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Language is a code generator this package offers.
type Language string

const (
	// Python generates a Python package (pyproject.toml, pulumi_<name>/...).
	Python Language = "python"
	// Go generates a Go module tree (<name>/...).
	Go Language = "go"
)

// Generate binds req's schema and writes the generated SDK into req.Directory.
func Generate(_ context.Context, lang Language, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("connect to the engine's schema loader: %w", err)
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("parse the schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("bind the schema: %w", err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("the schema has errors: %s", diags.Error())
	}

	var files map[string][]byte
	switch lang {
	case Python:
		files, err = python.GeneratePackage("pulumi-language-python", pkg, req.GetExtraFiles(), loader)
	case Go:
		files, err = gogen.GeneratePackage("pulumi-language-go", pkg, req.GetLocalDependencies())
		for name, content := range req.GetExtraFiles() {
			files[name] = content
		}
	default:
		err = fmt.Errorf("no code generator for %q", lang)
	}
	if err != nil {
		return nil, fmt.Errorf("generate the %s SDK: %w", lang, err)
	}
	for name, content := range files {
		path := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, content, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{}, nil
}
