# The program runner of this project's Python language host (tools/pulumi/cmd/pulumi-language-python passes this
# file to Python with -c). It uses only the `pulumi` Python SDK's runtime from PyPI: settings (monitor, engine,
# project, stack, dry run), configuration (PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS, read by the SDK itself), and
# run_in_stack, which registers the stack resource, runs the program and waits for every registration.
import argparse
import asyncio
import os
import runpy
import sys
import traceback

USER_ACTIONABLE_EXIT_CODE = 32


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="pulumi-language-python runner")
    for name in ("monitor", "engine", "organization", "project", "root-directory", "stack", "pwd"):
        parser.add_argument("--" + name, default=None)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--parallel", type=int, default=0)
    parser.add_argument("program")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    return parser.parse_args(argv)


def program_file(pwd, program):
    path = program if os.path.isabs(program) else os.path.join(pwd, program)
    if os.path.isdir(path):
        path = os.path.join(path, "__main__.py")
    if not os.path.exists(path):
        raise SystemExit(f"pulumi-language-python: no program at {path} (the project's main, or __main__.py in its folder)")
    return path


def main(argv):
    options = parse_args(argv)
    pwd = options.pwd or os.getcwd()
    os.chdir(pwd)

    import pulumi
    from pulumi.runtime import settings, stack

    settings.configure(
        settings.Settings(
            project=options.project,
            stack=options.stack,
            monitor=options.monitor,
            engine=options.engine,
            parallel=options.parallel,
            dry_run=options.dry_run,
            organization=options.organization,
            root_directory=options.root_directory,
        )
    )
    path = program_file(pwd, options.program)
    sys.path.insert(0, os.path.dirname(path))
    sys.argv = [path] + options.args

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(stack.run_in_stack(lambda: runpy.run_path(path, run_name="__main__")))
        return 0
    except pulumi.RunError as error:
        # An error the program raised for the user: shown once, as an engine error.
        pulumi.log.error(str(error))
        return USER_ACTIONABLE_EXIT_CODE
    except Exception:  # noqa: BLE001 - everything else is a bug in the program: show its traceback
        traceback.print_exc()
        return 1
    finally:
        loop.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
