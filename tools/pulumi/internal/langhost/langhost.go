// Package langhost is what this project's language hosts (cmd/pulumi-language-*) share: the plugin's command line
// and gRPC server (Serve), the LanguageRuntime answers that are the same for every host (Base), and running a
// program with the engine's arguments and configuration (Base.RunProgram). Each host keeps only its own behaviour:
// which runtime it runs, how it finds the interpreter and the runner, About, GeneratePackage.
package langhost

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// UserActionableExitCode is the exit code the programs' runners use when they have already shown the user an
// actionable error: the engine then prints nothing more.
const UserActionableExitCode = 32

// ServeOptions says which host Serve runs.
type ServeOptions struct {
	// Name is the plugin's name, the prefix of its error messages (e.g. "pulumi-language-python").
	Name string
	// Runtime is the only value the -runtime flag accepts (e.g. "python"); empty: the host has no -runtime flag.
	Runtime string
	// RuntimeTitle names the runtime in the error for another -runtime (e.g. "Python").
	RuntimeTitle string
	// TracingUsage is the -tracing flag's usage text.
	TracingUsage string
	// WatchEngine stops serving when the engine whose address is the first argument goes away.
	WatchEngine bool
	// NewHost makes the LanguageRuntime server, given the engine's address (empty when not given).
	NewHost func(engineAddress string) pulumirpc.LanguageRuntimeServer
}

// Serve parses the plugin's command line, serves the host over gRPC, prints its port on the first line of stdout
// (where the engine reads it) and returns when the server stops; on a failure it exits with status 1.
func Serve(opts ServeOptions) {
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	flag.String("tracing", "", opts.TracingUsage)
	var runtimeName *string
	if opts.Runtime != "" {
		runtimeName = flag.String("runtime", opts.Runtime, "only "+opts.Runtime+" is supported")
	}
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	if runtimeName != nil && *runtimeName != opts.Runtime {
		fail(opts.Name, fmt.Errorf("unsupported runtime %q: this language host runs %s only", *runtimeName, opts.RuntimeTitle))
	}

	engineAddress := ""
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}
	host := opts.NewHost(engineAddress)

	serveOptions := rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	}
	if opts.WatchEngine {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		cancel := make(chan bool)
		go func() {
			<-ctx.Done()
			close(cancel)
		}()
		if engineAddress != "" {
			// Stop serving when the engine goes away.
			if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
				fail(opts.Name, fmt.Errorf("could not start the engine health check: %w", err))
			}
		}
		serveOptions.Cancel = cancel
	}

	handle, err := rpcutil.ServeWithOptions(serveOptions)
	if err != nil {
		fail(opts.Name, fmt.Errorf("could not start the language host's gRPC server: %w", err))
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(opts.Name, fmt.Errorf("the language host's gRPC server stopped: %w", err))
	}
}

func fail(name string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}

// Base answers the LanguageRuntime RPCs that are the same for every host, and tracks the programs it runs so that
// Cancel interrupts them. Hosts embed it and add Run, About and what else they do.
type Base struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	// EngineAddress is the engine's gRPC address (from the command line or Handshake).
	EngineAddress string

	mu      sync.Mutex
	running map[*exec.Cmd]struct{}
}

// Handshake is used when the engine attaches to an already running host (PULUMI_DEBUG_LANGUAGES).
func (h *Base) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.EngineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// GetPluginInfo reports the pinned engine version this host was built with.
func (h *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPlugins answers that no plugin has to be installed up front: the engine then loads each provider when
// the program first uses it, so automatic plugin download is never needed.
func (h *Base) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// GetRequiredPackages answers that no package has to be installed up front (see GetRequiredPlugins).
func (h *Base) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies does nothing: dependencies are installed with the workspace's package manager (pnpm).
func (h *Base) InstallDependencies(
	_ *pulumirpc.InstallDependenciesRequest, _ pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	return nil
}

// GetProgramDependencies answers an empty list (`pulumi about` shows no packages of the program).
func (h *Base) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// Cancel interrupts the programs that are running.
func (h *Base) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.running {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	return &emptypb.Empty{}, nil
}

func (h *Base) track(cmd *exec.Cmd, running bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.running == nil {
		h.running = map[*exec.Cmd]struct{}{}
	}
	if running {
		h.running[cmd] = struct{}{}
	} else {
		delete(h.running, cmd)
	}
}

// AboutExecutable answers About for a host whose runtime is executable: its path, and the first line of what
// `executable versionArgs...` prints as its version (no version when that command fails).
func AboutExecutable(ctx context.Context, executable string, versionArgs ...string) *pulumirpc.AboutResponse {
	out, err := exec.CommandContext(ctx, executable, versionArgs...).Output()
	if err != nil {
		return &pulumirpc.AboutResponse{Executable: executable}
	}
	return &pulumirpc.AboutResponse{Executable: executable, Version: strings.TrimSpace(string(out))}
}

// ProgramDirectory is the program's directory of a Run request (its working directory when not given).
func ProgramDirectory(req *pulumirpc.RunRequest) string {
	if dir := req.GetInfo().GetProgramDirectory(); dir != "" {
		return dir
	}
	return req.GetPwd()
}

// Program says how Base.RunProgram starts a program.
type Program struct {
	// Tool names the interpreter in error messages ("node", "python").
	Tool string
	// Executable is the interpreter's path.
	Executable string
	// RunnerArgs come before the runner's arguments (the interpreter's options and the runner).
	RunnerArgs []string
	// Env is added to this process's environment and the configuration's variables.
	Env []string
	// Dir is the program's directory (ProgramDirectory), its working directory.
	Dir string
}

// RunProgram runs a program once with the runner's command line (--monitor, --engine, ... entry point, arguments)
// and the configuration in PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS; the program's output goes to this host's.
// A failure of the program is the response's Error (or Bail when the runner already showed it), never the error.
func (h *Base) RunProgram(ctx context.Context, req *pulumirpc.RunRequest, p Program) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	entryPoint := info.GetEntryPoint()
	if entryPoint == "" {
		entryPoint = "."
	}
	args := append([]string{}, p.RunnerArgs...)
	addArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	addArg("monitor", req.GetMonitorAddress())
	addArg("engine", h.EngineAddress)
	addArg("organization", req.GetOrganization())
	addArg("project", req.GetProject())
	addArg("root-directory", info.GetRootDirectory())
	addArg("stack", req.GetStack())
	addArg("pwd", p.Dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	addArg("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, entryPoint)
	args = append(args, req.GetArgs()...)

	env, err := configEnv(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return h.execute(ctx, p, args, append(env, p.Env...))
}

// RunBinary runs a program binary once, passing what RunProgram passes as the runner's command line in the
// environment instead, as the Go SDK's pulumi.Run reads it (PULUMI_MONITOR, PULUMI_ENGINE, PULUMI_PROJECT, ...);
// the binary's arguments are the request's. p.RunnerArgs is not used.
func (h *Base) RunBinary(ctx context.Context, req *pulumirpc.RunRequest, p Program) (*pulumirpc.RunResponse, error) {
	env, err := configEnv(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env = append(env,
		"PULUMI_MONITOR="+req.GetMonitorAddress(),
		"PULUMI_ENGINE="+h.EngineAddress,
		"PULUMI_ORGANIZATION="+req.GetOrganization(),
		"PULUMI_PROJECT="+req.GetProject(),
		"PULUMI_ROOT_DIRECTORY="+req.GetInfo().GetRootDirectory(),
		"PULUMI_STACK="+req.GetStack(),
		"PULUMI_DRY_RUN="+strconv.FormatBool(req.GetDryRun()),
		"PULUMI_PARALLEL="+strconv.Itoa(int(req.GetParallel())),
	)
	return h.execute(ctx, p, req.GetArgs(), append(env, p.Env...))
}

// configEnv is this process's environment with the configuration in PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS.
func configEnv(req *pulumirpc.RunRequest) ([]string, error) {
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("could not serialize the configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("could not serialize the secret keys: %w", err)
	}
	return append(os.Environ(), "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON)), nil
}

// execute runs p.Executable with args and env in p.Dir until it exits; see RunProgram for the response.
func (h *Base) execute(ctx context.Context, p Program, args, env []string) (*pulumirpc.RunResponse, error) {
	cmd := exec.CommandContext(ctx, p.Executable, args...)
	cmd.Dir = p.Dir
	cmd.Env = env
	// The program's output goes to ours, which the engine shows. Wrapped so that exec copies through a pipe: Node
	// may switch a file descriptor it inherits to non-blocking mode, which would affect this process too.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second

	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start %s: %v", p.Tool, err)}, nil
	}
	h.track(cmd, true)
	err := cmd.Wait()
	h.track(cmd, false)
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if exitErr.ExitCode() == UserActionableExitCode {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program with %s: %v", p.Tool, err)}, nil
}
