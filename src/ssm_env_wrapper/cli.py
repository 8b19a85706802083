# SPDX-License-Identifier: Apache-2.0
"""The command line for people: options that mirror every environment setting, and subcommands.

Each option is translated into the environment variable it mirrors and the result is parsed by
``Settings.from_environ``, like the wrapper in Lambda: one parser, one set of defaults, one
precedence (an option wins over its variable, which wins over the default). The options are
not put into the command's environment.
"""

from __future__ import annotations

import os
import sys

from .errors import SsmEnvError
from .settings_table import SETTINGS, ignores_endpoints, setting_row
from .version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from .redact import Redactor
    from .settings import Settings

__all__ = ["run_cli", "quote"]

# The options, from the settings table: (option, the variable it sets, kind, metavar, help).
# Kinds: "list" (repeatable, joined with commas), "bool" (--x / --no-x), "value".
_LISTS = ("paths", "refs", "secrets", "json_secrets", "variables")
_OPTIONS = [
    (
        option,
        variables[0],
        "list" if parser in _LISTS else "bool" if parser == "bool" else "value",
        metavar,
        help_text + ("" if default is None or parser == "bool" else f" (default {default})"),
    )
    for _, variables, option, metavar, _, parser, default, help_text in SETTINGS
    if option
]

_DESCRIPTION = """\
Load parameters from AWS SSM Parameter Store (and secrets from Secrets Manager) into the
environment, then exec COMMAND
(no shell, no child process). In AWS Lambda set AWS_LAMBDA_EXEC_WRAPPER to this program and
configure it with environment variables; each option below mirrors one of them."""

_EPILOG = """\
subcommands:
  check               show what would load (names, sources, problems; never values); exit 0 or 1
  export [--format dotenv|json|shell]
                      print the values to stdout, for local debugging
  policy [--format iam|sam|terraform] [--account ID] [--kms-key ARN]
                      print the least-privilege IAM policy for this load (no request made)

examples:
  ssm-env-wrapper --path /prod/myapp -- python app.py
  APP_ENV=prod APP_PARAMS_PATH=myapp ssm-env-wrapper python app.py
  ssm-env-wrapper --name DB_PASSWORD=/prod/db/password:3 --region eu-west-1 -- ./server
  ssm-env-wrapper check --path /prod/myapp --recursive
  eval "$(ssm-env-wrapper export --format shell --path /dev/myapp)"

exit status: COMMAND's own once it runs; 1 when loading fails (COMMAND never starts) or check
finds problems; 2 for a usage error; 126 when COMMAND cannot be executed; 127 when not found.
A COMMAND named like a subcommand goes after --: ssm-env-wrapper -- check."""


def _parser(subcommand: str | None) -> argparse.ArgumentParser:
    import argparse

    prog = "ssm-env-wrapper" + (f" {subcommand}" if subcommand else "")
    parser = argparse.ArgumentParser(
        prog=prog,
        description=_DESCRIPTION,
        epilog=_EPILOG if subcommand is None else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"ssm-env-wrapper {__version__}")
    for option, variable, kind, metavar, text in _OPTIONS:
        help_text = f"{text} [{variable}]"
        if kind == "list":
            help_text = f"{text} (repeatable) [{variable}]"
            parser.add_argument(
                option, dest=variable, action="append", metavar=metavar, help=help_text
            )
        elif kind == "bool":
            parser.add_argument(
                option,
                dest=variable,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
        else:
            parser.add_argument(option, dest=variable, metavar=metavar, help=help_text)
    if subcommand == "export":
        parser.add_argument(
            "--format",
            choices=("dotenv", "json", "shell"),
            default="dotenv",
            help="output format (default dotenv: NAME='value' lines, as docker compose reads them)",
        )
    if subcommand == "policy":
        from .policy import add_policy_options

        add_policy_options(parser)
    if subcommand is None:
        parser.add_argument(
            "command",
            nargs=argparse.REMAINDER,
            metavar="COMMAND [ARG...]",
            help="the command to exec",
        )
    return parser


def _merged(options: argparse.Namespace) -> dict[str, str]:
    """The environment as the configuration gave it (``original``: never a value an earlier load
    put there) with every given option in place of the variable it mirrors."""
    from .original import original_environment

    environ = dict(original_environment(os.environ))
    endpoints = ("endpoint_url", "secrets_endpoint_url")
    if ignores_endpoints(environ) and any(
        getattr(options, setting_row(key)[1][0]) is not None for key in endpoints
    ):
        # AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ignores the configured endpoints, never a typed
        # one (nor do the SDKs ignore an explicit endpoint): the configured ones go instead.
        for key in endpoints:
            for variable in setting_row(key)[1]:
                environ.pop(variable, None)
        del environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]
    for _, variable, kind, _, _ in _OPTIONS:
        value = getattr(options, variable)
        if value is None:
            continue
        if kind == "list":
            value = ",".join(value)
        elif kind == "bool":
            value = "true" if value else "false"
        environ[variable] = value
    return environ


def _given_options(options: argparse.Namespace) -> dict[str, str]:
    """Each variable an option was given for, mapped to that option: messages name the option."""
    return {
        variable: option
        for option, variable, _, _, _ in _OPTIONS
        if getattr(options, variable, None) is not None
    }


def _option_names(message: str, given: Mapping[str, str]) -> str:
    # Name the option the user typed, next to the variable it stands for (not in a typo's
    # suggestion: the typo is a variable's name, and so is the suggestion).
    if message.startswith("unknown setting"):
        return message
    for variable, option in given.items():
        if variable in message:
            return message.replace(variable, f"{option} ({variable})", 1)
    return message


def quote(value: str, style: str) -> str:
    """Quote ``value`` so that ``style`` reads it back exactly.

    ``shell``: POSIX single quotes (nothing inside is special; ``'`` becomes ``'\\''``), safe for
    ``eval``. ``dotenv``: single quotes as docker compose reads them (compose-go's dotenv parser,
    ``extractVarValue``; "Syntax for environment files in Docker Compose"): no interpolation,
    line breaks literal, ``\\'`` is a quote, and a backslash before any other character is kept
    *with* that character (``\\\\`` stays two backslashes). So ``'`` is written ``\\'`` and
    everything else as it is; a value whose backslashes cannot survive that (an odd run of them
    right before a quote or at the end) raises ValueError: compose's single quotes cannot hold
    it. (Its double quotes could, but they interpolate ``$`` and python-dotenv escapes them
    differently; one plain rule and a clear refusal are easier to trust.)
    """
    if style == "shell":
        return "'" + value.replace("'", "'\\''") + "'"
    run = 0
    for char in value + "'":  # the closing quote ends the last run
        if char == "\\":
            run += 1
            continue
        if char == "'" and run % 2:
            raise ValueError("an odd number of backslashes before a quote or at the end")
        run = 0
    return "'" + value.replace("'", "\\'") + "'"


def run_cli(args: list[str]) -> int:
    """Parse ``args`` (options, maybe a subcommand) and run it."""
    subcommand = args[0] if args and args[0] in ("check", "export", "policy", "help") else None
    rest = args[1:] if subcommand else args
    if subcommand == "help":
        _parser(None).print_help()
        return 0
    options = _parser(subcommand).parse_args(rest)  # exits 2 with usage on a bad option
    if subcommand is None:
        # COMMAND takes the rest as given (argparse.REMAINDER), a "--" that ends the options
        # included; only that one goes: a later "--" is the command's own (npm run x -- --watch).
        command = options.command[1:] if options.command[:1] == ["--"] else options.command
        if not command:
            sys.stderr.write("ssm-env-wrapper: no command given; see ssm-env-wrapper --help\n")
            return 2
    from .log import Log
    from .settings import Settings
    from .wrapper import run

    log = Log()
    log.secrets += [os.environ.get(v, "") for v in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")]
    given = _given_options(options)
    try:
        environ = _merged(options)
        if subcommand == "check":
            return _check(environ, given)
        if subcommand == "export":
            return _export(environ, options.format, given)
        if subcommand == "policy":
            from .policy import run_policy

            return run_policy(environ, given, options)
        # Parsed here so that a bad value is reported under the option's name.
        settings = Settings.from_environ(environ, options=given)
        log = Log.from_environ(environ)
    except SsmEnvError as exc:
        log.error(_option_names(str(exc), given))
        return exc.exit_code
    return run(command, environ, settings=settings, log=log)


def _load(
    environ: Mapping[str, str],
    given: Mapping[str, str],
    check: bool = False,
    secrets: Redactor | None = None,
):  # -> (Settings, LoadResult)
    from .loader import load
    from .settings import Settings

    settings = Settings.from_environ(environ, options=given)
    for note in settings.notes:
        sys.stderr.write(f"ssm-env-wrapper: warn: {note}\n")
    if not settings.has_sources:
        raise SsmEnvError(
            "nothing to load: give --path, --name, --json-name, --secret or --json-secret, or "
            "set APP_PARAMS_PATH, SSM_ENV_PATHS, SSM_ENV_NAMES, SSM_ENV_JSON_NAMES, "
            "SSM_ENV_SECRETS or SSM_ENV_JSON_SECRETS"
        )
    # check reports missing required variables as a problem instead of stopping at them.
    return settings, load(settings, environ, enforce_required=not check, secrets=secrets)


def _start_problems(
    environ: Mapping[str, str], settings: Settings, given: Mapping[str, str]
) -> list[str]:
    """What would stop every start before it loads: the log's settings, a chained wrapper
    (SSM_ENV_EXEC_WRAPPER) that is not there."""
    from .command import resolve_command
    from .log import Log

    problems: list[str] = []
    try:
        Log.from_environ(environ)
    except SsmEnvError as exc:
        problems.append(_option_names(str(exc), given))
    if settings.exec_wrapper:
        try:
            resolve_command(settings.exec_wrapper, environ.get("PATH", os.defpath))
        except SsmEnvError as exc:
            problems.append(_option_names(f"SSM_ENV_EXEC_WRAPPER: {exc}", given))
    return problems


def _check(environ: dict[str, str], given: Mapping[str, str]) -> int:
    """What would load, and every problem at once (names and sources, never values)."""
    from .redact import Redactor, printable  # a source names a JSON key: it may hold a "\n"

    environ = dict(environ, SSM_ENV_ON_ERROR="continue")  # collect problems instead of stopping
    secrets = Redactor()  # learns the load's secrets: an endpoint chooses names, versions
    settings, result = _load(environ, given, check=True, secrets=secrets)
    import io

    out = io.StringIO()  # masked at the end
    count = len(result.variables)
    out.write(
        f"would load {count} variable{'' if count == 1 else 's'} from "
        f"{', '.join(result.sources)} ({result.requests} request"
        f"{'' if result.requests == 1 else 's'}):\n"
    )
    width = max((len(v) for v in result.variables), default=0)
    files = {written.variable: written.path for written in result.files}
    for variable in sorted(result.variables):
        as_file = f" (file {files[variable]})" if variable in files else ""
        out.write(f"  {variable:<{width}}  <- {printable(result.provenance[variable])}{as_file}\n")
    if result.versions:
        out.write(f"versions ({len(result.versions)}):\n")
        out.writelines(f"  {record.describe()}\n" for record in result.versions)
    if result.kept:
        out.write(f"kept, already set (overwrite off): {', '.join(result.kept)}\n")
    if result.replaced:
        out.write(f"replaces the configured value (overwrite on): {', '.join(result.replaced)}\n")
    for variable, winner, loser in result.overrides:
        out.write(
            f"override (later-wins): {variable} from {printable(winner)} over {printable(loser)}\n"
        )
    if result.skipped:
        out.write(f"optional, not found, skipped: {printable(', '.join(result.skipped))}\n")
    problems = list(result.failures) + _start_problems(environ, settings, given)
    if result.missing_required:
        problems.append(
            f"{settings.origins.required}: not set by any source nor in the environment: "
            f"{', '.join(result.missing_required)}"
        )
    if result.unset:
        problems.append(f"unresolved references: {', '.join(result.unset)}")
    if problems:
        out.write(f"problems ({len(problems)}):\n")
        out.writelines(f"  - {printable(problem)}\n" for problem in problems)
    else:
        out.write("no problems\n")
    sys.stdout.write(secrets.redact(out.getvalue()))
    return 1 if problems else 0


def _export(environ: dict[str, str], style: str, given: Mapping[str, str]) -> int:
    _, result = _load(environ, given)
    if result.files:  # the variables hold these files' paths: write them, as the wrapper does
        from .files import write_files

        write_files(result.files)
    if style == "json":
        import json

        sys.stdout.write(
            json.dumps(result.variables, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        )
    else:
        keyword = "export " if style == "shell" else ""
        lines = []
        for variable in sorted(result.variables):
            try:
                lines.append(f"{keyword}{variable}={quote(result.variables[variable], style)}\n")
            except ValueError:
                raise SsmEnvError(
                    f"export --format dotenv: the value of {variable} ends in, or "
                    "puts before a quote, an odd number of backslashes, which docker "
                    "compose's .env syntax cannot hold; use --format json or shell"
                ) from None
        sys.stdout.writelines(lines)
    return 0
