"""The wrapper: settings, command, load, apply, exec. Failure is closed: exit non-zero, one line."""

from __future__ import annotations

import os
import sys
import time

from .command import check_exec_size, exec_command, resolve_command
from .errors import SsmEnvError
from .settings import Settings
from .version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .loader import LoadResult

__all__ = ["main"]

PROG = "ssm-env-wrapper"

USAGE = f"""\
usage: {PROG} [--] COMMAND [ARG...]

Load parameters from AWS SSM Parameter Store into the environment, then exec COMMAND.
In AWS Lambda, set AWS_LAMBDA_EXEC_WRAPPER to this program: Lambda passes the runtime's
command line as COMMAND.

What to load (environment):
  APP_PARAMS_PATH, APP_ENV   load /APP_ENV/APP_PARAMS_PATH (or /APP_PARAMS_PATH)
  SSM_ENV_PATHS              comma-separated paths, loaded as well
  SSM_ENV_RECURSIVE          true: also load the levels below each path (default false)
Nothing set: COMMAND is exec'd at once.

examples:
  APP_ENV=prod APP_PARAMS_PATH=myapp {PROG} python app.py
  SSM_ENV_PATHS=/shared,/prod/myapp {PROG} -- env

exit status: COMMAND's own; 1 when loading fails (COMMAND never starts); 2 for a usage error;
126 when COMMAND cannot be executed; 127 when it is not found.
"""


def _scrub(text: str, secrets: list[str]) -> str:
    # Defence in depth: no message is built from a value or a key, but should one ever carry one
    # (an endpoint echoing a request, say), it is masked before it reaches stderr.
    # Strings shorter than 8 characters are left alone: masking "1" or "prod" would garble the
    # message without protecting anything (real keys and tokens are far longer).
    for secret in secrets:
        if len(secret) >= 8:
            text = text.replace(secret, "***")
    return text


def _say(message: str, secrets: list[str]) -> None:
    sys.stderr.write(f"{PROG}: {_scrub(message, secrets)}\n")
    sys.stderr.flush()


def _report(result: LoadResult, started: float, secrets: list[str]) -> None:
    elapsed = (time.monotonic() - started) * 1000
    count = len(result.variables)
    _say(f"loaded {count} parameter{'' if count == 1 else 's'} from {', '.join(result.sources)} "
         f"in {elapsed:.0f} ms ({result.requests} request{'' if result.requests == 1 else 's'})",
         secrets)
    if result.kept:
        _say(f"SSM_ENV_OVERWRITE=false: kept the existing value of {', '.join(result.kept)}", secrets)
    for failure in result.failures:
        _say(f"SSM_ENV_ON_ERROR=continue, starting without: {failure}", secrets)
    if result.unset:
        _say(f"unset unresolved references: {', '.join(result.unset)}", secrets)


def main(argv: list[str] | None = None) -> int:
    """Run the wrapper with ``argv`` (default ``sys.argv[1:]``). Returns only on failure: on
    success the process becomes the command."""
    started = time.monotonic()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    if args and args[0] == "--version":
        sys.stdout.write(f"{PROG} {__version__}\n")
        return 0
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        sys.stderr.write(f"{PROG}: no command given\n{USAGE}")
        return 2
    secrets = [os.environ.get("AWS_SECRET_ACCESS_KEY", ""), os.environ.get("AWS_SESSION_TOKEN", "")]
    try:
        settings = Settings.from_environ(os.environ)
        # Resolve before any network call: a typo in the command fails in microseconds.
        executable = resolve_command(args[0])
        if settings.exec_wrapper:
            # A function has one AWS_LAMBDA_EXEC_WRAPPER: chain the next one (e.g. a telemetry
            # layer's) by exec'ing it with the runtime's command line, as Lambda would have.
            executable = resolve_command(settings.exec_wrapper)
            args = [settings.exec_wrapper] + args
        if settings.disabled:
            _say("SSM_ENV_DISABLED is set: nothing loaded", secrets)
        elif settings.has_sources:
            # Imported only when there is something to load: the empty start stays minimal.
            from .loader import apply_variables, load

            result = load(settings, os.environ)
            secrets.extend(result.variables.values())
            prospective = dict(os.environ)
            apply_variables(result, prospective)
            check_exec_size(args, prospective)  # before anything is set or reported as loaded
            apply_variables(result, os.environ)
            _report(result, started, secrets)
        exec_command(executable, args)
    except SsmEnvError as exc:
        _say(str(exc), secrets)
        return exc.exit_code
    return 0  # not reached: exec_command replaces the process
