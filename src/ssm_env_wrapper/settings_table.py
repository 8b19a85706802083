# SPDX-License-Identifier: Apache-2.0
"""Every setting once: its environment variables, command-line option, API argument, parser,
default and help, as botocore's ``configprovider.py`` keeps its table.

From this table come the environment parsing (``Settings.from_environ``), the command-line
options and ``--help`` (``cli``), the way a message names a setting as its caller gave it
(``Origins``: ``SSM_ENV_TIMEOUT`` from the environment, ``--timeout`` on the command line,
``timeout=`` to a Python caller), the settings table of the documentation
(``tools/settings_doc.py``) and the names the wrapper knows, which catch typos before a function
starts without its configuration. Plain tuples: building the table costs the cold start nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "SETTINGS",
    "KNOWN_NAMES",
    "OUR_PREFIX",
    "setting_row",
    "first_set",
    "spelled",
    "endpoint_variable",
    "ignores_endpoints",
    "unknown_settings",
]

#: The prefix of this wrapper's own variables: an unknown name under it is a mistake.
OUR_PREFIX = "SSM_ENV_"

# Columns: key, variables (precedence order: the first one set wins), option, metavar (what the
# option takes; a|b lists the choices), API argument, parser (the shape Settings.from_environ
# parses, or that the module reading it expects), default, help. An empty option or argument:
# none. ``default`` is what the docs show; None is "(none)".
SETTINGS = (
    ("app_params_path", ("APP_PARAMS_PATH",), "", "", "", "path", None,
     "load /APP_ENV/APP_PARAMS_PATH, or /APP_PARAMS_PATH without APP_ENV (the original contract)"),
    ("app_env", ("APP_ENV",), "", "", "", "text", None,
     "the first level of that path; alone it loads nothing"),
    ("paths", ("SSM_ENV_PATHS",), "--path", "PATH", "paths", "paths", None,
     "load every parameter under PATH"),
    ("recursive", ("SSM_ENV_RECURSIVE",), "--recursive", "", "recursive", "bool", False,
     "also load the levels below each path"),
    ("names", ("SSM_ENV_NAMES",), "--name", "[VAR=]NAME[:VERSION|:LABEL]", "names", "refs", None,
     "load parameters by name (or full ARN); a trailing ? lets one be missing"),
    ("json_names", ("SSM_ENV_JSON_NAMES",), "--json-name", "[PREFIX=]NAME", "json_names", "refs",
     None, "load parameters whose value is a JSON object, one variable per key"),
    ("secrets", ("SSM_ENV_SECRETS",), "--secret", "[VAR=]SECRET_ID[:KEY[:STAGE[:ID]]]",
     "secrets", "secrets", None, "load Secrets Manager secrets (or one key of a JSON secret)"),
    ("json_secrets", ("SSM_ENV_JSON_SECRETS",), "--json-secret", "[PREFIX=]SECRET_ID",
     "json_secrets", "json_secrets", None,
     "load secrets whose value is a JSON object, one variable per key"),
    ("files", ("SSM_ENV_FILES",), "", "VAR[=PATH]", "", "files", None,
     "write these variables' values to files (0600) below SSM_ENV_FILES_DIR; each holds its path"),
    ("files_dir", ("SSM_ENV_FILES_DIR",), "", "DIR", "", "dir", "/tmp",
     "the one directory SSM_ENV_FILES may write below (no symlink on the way)"),
    ("required", ("SSM_ENV_REQUIRED",), "--required", "VAR", "required", "variables", None,
     "variables that must be set after loading, or nothing starts (whatever on-error says)"),
    ("collision", ("SSM_ENV_COLLISION",), "--collision", "error|later-wins", "collision",
     "choice", "error", "two sources for one variable: stop, or the later wins (each logged)"),
    ("resolve_arns", ("SSM_ENV_RESOLVE_ARNS",), "--resolve-arns", "", "resolve_arns", "bool",
     False, "resolve variables whose value is a parameter's or a secret's ARN (ECS valueFrom)"),
    ("name_mode", ("SSM_ENV_NAME_MODE",), "--name-mode", "leaf|relative", "name_mode", "choice",
     "leaf", "a path's parameter /p/db/host becomes host (leaf) or db_host (relative)"),
    ("prefix", ("SSM_ENV_PREFIX",), "--prefix", "PREFIX", "prefix", "prefix", None,
     "prepended to every derived variable name"),
    ("uppercase", ("SSM_ENV_UPPERCASE",), "--uppercase", "", "uppercase", "bool", False,
     "upper-case derived variable names"),
    ("overwrite", ("SSM_ENV_OVERWRITE",), "--overwrite", "", "", "bool", True,
     "loaded values replace variables already set (false: those keep their values)"),
    ("allow", ("SSM_ENV_ALLOW",), "--allow", "VAR", "allow", "variables", None,
     "protected variables a source may set anyway (never credentials)"),
    ("on_error", ("SSM_ENV_ON_ERROR",), "--on-error", "fail|continue", "on_error", "choice",
     "fail", "a failed source stops the start, or is logged and left out"),
    ("disabled", ("SSM_ENV_DISABLED",), "--disabled", "", "", "bool", False,
     "load nothing, exec at once"),
    ("exec_wrapper", ("SSM_ENV_EXEC_WRAPPER",), "--exec-wrapper", "PROGRAM", "", "text", None,
     "the next exec wrapper to chain"),
    ("timeout", ("SSM_ENV_TIMEOUT",), "--timeout", "SECONDS", "timeout", "seconds", 5,
     "seconds for the whole load, retries included (Lambda's init phase has 10 s)"),
    ("max_attempts", ("SSM_ENV_MAX_ATTEMPTS", "AWS_MAX_ATTEMPTS"), "--max-attempts", "N",
     "max_attempts", "attempts", 8,
     "attempts per request, the first included; AWS_MAX_ATTEMPTS is the SDKs' fallback"),
    ("metrics", ("SSM_ENV_METRICS",), "--metrics", "emf", "", "choice", None,
     "emf: one CloudWatch Embedded Metric Format line a load (counts and times, no names)"),
    ("metrics_namespace", ("SSM_ENV_METRICS_NAMESPACE",), "--metrics-namespace", "NAMESPACE", "",
     "text", "ssm-env-wrapper", "the CloudWatch namespace of those metrics"),
    ("function_name", ("AWS_LAMBDA_FUNCTION_NAME",), "", "", "", "text", None,
     "the FunctionName dimension of the metrics (Lambda sets it)"),
    ("account", ("AWS_ACCOUNT_ID",), "", "", "", "text", None,
     "the account of the ARNs `policy` prints (its --account option wins)"),
    ("original", ("SSM_ENV_ORIGINAL",), "", "", "", "record", None,
     "written by the wrapper, never by you: what a load replaced, for later loads to read"),
    ("log_level", ("SSM_ENV_LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL"), "--log-level",
     "debug|info|warn|error", "", "level", "info",
     "debug adds names and a line per request; no level prints a value"),
    ("log_format", ("AWS_LAMBDA_LOG_FORMAT",), "--log-format", "text|json", "", "text", "text",
     "json: one JSON object a line, like the runtime's own"),
    ("region", ("AWS_REGION", "AWS_DEFAULT_REGION"), "--region", "REGION", "region", "text",
     None, "the AWS region (Lambda sets it; else the profile's region)"),
    ("endpoint_url", ("AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"), "--endpoint-url", "URL",
     "endpoint_url", "url", None, "another SSM endpoint (http:// allowed, for local use)"),
    ("secrets_endpoint_url", ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"),
     "--secrets-endpoint-url", "URL", "secrets_endpoint_url", "url", None,
     "another Secrets Manager endpoint"),
    ("ignore_configured_endpoint_urls", ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",), "", "", "",
     "bool", False, "ignore the endpoint URL variables above, as the SDKs do"),
    ("use_fips_endpoint", ("AWS_USE_FIPS_ENDPOINT",), "", "", "", "bool", False,
     "FIPS endpoints"),
    ("use_dualstack_endpoint", ("AWS_USE_DUALSTACK_ENDPOINT",), "", "", "", "bool", False,
     "dual-stack (IPv6) endpoints"),
    ("ca_bundle", ("AWS_CA_BUNDLE",), "--ca-bundle", "FILE", "", "file", None,
     "a PEM bundle to verify TLS with, instead of the system's CAs"),
    ("ssl_cert_file", ("SSL_CERT_FILE",), "", "", "", "file", None,
     "OpenSSL's CA file, when AWS_CA_BUNDLE is unset"),
    ("ssl_cert_dir", ("SSL_CERT_DIR",), "", "", "", "file", None,
     "OpenSSL's CA directory, when AWS_CA_BUNDLE is unset"),
    ("https_proxy", ("HTTPS_PROXY", "https_proxy"), "", "", "", "url", None,
     "an http:// proxy for HTTPS (a CONNECT tunnel)"),
    ("http_proxy", ("HTTP_PROXY", "http_proxy"), "", "", "", "url", None,
     "an http:// proxy for plain HTTP endpoints"),
    ("no_proxy", ("NO_PROXY", "no_proxy"), "", "", "", "text", None,
     "hosts reached without the proxy"),
    ("profile", ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"), "--profile", "PROFILE", "", "text",
     "default", "the profile of the two files below (keys, credential_process, region)"),
    ("shared_credentials_file", ("AWS_SHARED_CREDENTIALS_FILE",), "", "", "", "file",
     "~/.aws/credentials", "static keys, for people at a terminal"),
    ("config_file", ("AWS_CONFIG_FILE",), "", "", "", "file", "~/.aws/config",
     "[profile NAME]: region, static keys, credential_process"),
    ("access_key_id", ("AWS_ACCESS_KEY_ID",), "", "", "credentials", "text", None,
     "credentials: the access key (Lambda sets the three from the execution role)"),
    ("secret_access_key", ("AWS_SECRET_ACCESS_KEY",), "", "", "credentials", "text", None,
     "credentials: the secret key"),
    ("session_token", ("AWS_SESSION_TOKEN",), "", "", "credentials", "text", None,
     "credentials: the session token of temporary credentials"),
    ("container_credentials_full_uri", ("AWS_CONTAINER_CREDENTIALS_FULL_URI",), "", "", "",
     "url", None, "the container credentials provider (SnapStart, ECS, EKS)"),
    ("container_credentials_relative_uri", ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",), "", "",
     "", "text", None, "the same, relative to ECS's 169.254.170.2"),
    ("container_authorization_token_file", ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",), "", "",
     "", "file", None, "the provider's authorization token, in a file"),
    ("container_authorization_token", ("AWS_CONTAINER_AUTHORIZATION_TOKEN",), "", "", "", "text",
     None, "the provider's authorization token"),
    ("execution_env", ("AWS_EXECUTION_ENV",), "", "", "", "text", None,
     "goes into the User-Agent as exec-env/ (Lambda sets it)"),
    ("sdk_ua_app_id", ("AWS_SDK_UA_APP_ID",), "", "", "", "text", None,
     "goes into the User-Agent as app/"),
    ("initialization_type", ("AWS_LAMBDA_INITIALIZATION_TYPE",), "", "", "", "text", None,
     "snap-start: a warning that loaded values live in the snapshot (Lambda sets it)"),
)  # fmt: skip

# Names the wrapper reads or recognises that are no setting of its own: the SDKs' legacy spelling
# of the session token (a secret the log masks) and the launcher's handover of the environment
# (``_ssm_env_given_N``, tools/launcher.sh, gone before any setting is read).
_OTHER_NAMES = ("AWS_SECURITY_TOKEN",)
PRIVATE_PREFIX = "_ssm_env_"

#: Every variable name the wrapper knows.
KNOWN_NAMES = frozenset([variable for row in SETTINGS for variable in row[1]] + list(_OTHER_NAMES))

_ROWS = {row[0]: row for row in SETTINGS}


def setting_row(key: str) -> tuple:
    """The table's row for ``key``."""
    return _ROWS[key]


def first_set(key: str, environ: Mapping[str, str]) -> str:
    """The variable of ``key`` that gives its value: the first set (non-blank) in precedence
    order, else the first (named in messages about the setting)."""
    variables = _ROWS[key][1]
    return next((v for v in variables if environ.get(v, "").strip()), variables[0])


def spelled(
    key: str, how: str, environ: Mapping[str, str] = {}, given: frozenset[str] = frozenset()
) -> str:
    """``key`` named as its caller gave it. ``how`` is ``"env"`` (the wrapper: the variable that
    gives the value), ``"cli"`` or ``"api"``: the option (``--timeout``) or argument
    (``timeout=``) when the caller passed it (``given`` holds keys), else the variable when the
    environment sets one, else the option or argument, which is what that caller would use. The
    API reads no setting of this wrapper's own from the environment: those are always arguments.
    """
    _, variables, option, _, argument, _, _, _ = _ROWS[key]
    if key in ("endpoint_url", "secrets_endpoint_url"):
        variable = endpoint_variable(key, environ) or variables[0]
    else:
        variable = first_set(key, environ)
    word = option if how == "cli" else (argument + "=" if how == "api" and argument else "")
    if word and (
        key in given
        or not environ.get(variable, "").strip()
        or (how == "api" and variable.startswith(OUR_PREFIX))
    ):
        return word
    return variable


def ignores_endpoints(environ: Mapping[str, str]) -> bool:
    """Whether AWS_IGNORE_CONFIGURED_ENDPOINT_URLS says to ignore the endpoint variables."""
    ignore = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower()
    return ignore in ("true", "1", "yes")


def endpoint_variable(key: str, environ: Mapping[str, str]) -> str | None:
    """The variable an endpoint URL came from (``endpoint_url`` or ``secrets_endpoint_url``), or
    None: with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS true, neither variable is used, as in the SDKs
    ("Service-specific endpoints", AWS SDKs and Tools Reference Guide)."""
    if ignores_endpoints(environ):
        return None
    return next((v for v in _ROWS[key][1] if environ.get(v, "").strip()), None)


def _distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from ``a`` to ``b``, or ``limit + 1``
    once more are needed. difflib would do, but costs an import on the wrapper's path."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
        if min(row) > limit:
            return limit + 1
    return row[-1]


def _nearest(name: str, candidates: list[str], limit: int) -> str | None:
    scored = [(_distance(name.upper(), c.upper(), limit), c) for c in candidates]
    best = min(scored, default=(limit + 1, ""))
    return best[1] if best[0] <= limit else None


def _one_edit(a: str, b: str) -> bool:
    """``a`` is one edit from ``b`` (or equal): string slices, not a table, as this runs for
    every variable of every start."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = a[i + 1 : i + 2] + a[i : i + 1] == b[i : i + 2] and a[i + 2 :] == b[i + 2 :]
        return a[i + 1 :] == b[i + 1 :] or swapped
    return a[i + 1 :] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1 :]


def _one_edit_of(upper: str, sizes: tuple[int, ...], by_size: dict[int, list[str]]) -> str | None:
    return next((k for size in sizes for k in by_size.get(size, ()) if _one_edit(upper, k)), None)


def unknown_settings(environ: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """``(errors, warnings)`` about the names of ``environ``: an unknown name with this
    wrapper's prefix, or one edit from one of its names (``SSM_EVN_PATHS``), is an error (a
    typo of ours); one edit from another name it reads (``APP_PARAM_PATH``) is a warning."""
    ours = sorted(n for n in KNOWN_NAMES if n.startswith(OUR_PREFIX))
    near_ours: dict[int, list[str]] = {}  # by length: only names of about the same one can be near
    theirs: dict[int, list[str]] = {}
    for known in sorted(KNOWN_NAMES):
        group = near_ours if known.startswith(OUR_PREFIX) else theirs
        group.setdefault(len(known), []).append(known.upper())
    errors, warnings = [], []
    for name in sorted(environ):
        if name in KNOWN_NAMES or name.startswith(PRIVATE_PREFIX):
            continue
        if name.upper().startswith(OUR_PREFIX):
            near = _nearest(name, ours, max(2, len(name) // 4))
            errors.append(
                f"unknown setting {name}"
                + (f"; did you mean {near}?" if near else "; see ssm-env-wrapper --help")
            )
            continue
        upper = name.upper()
        sizes = (len(name) - 1, len(name), len(name) + 1)
        near = _one_edit_of(upper, sizes, near_ours)
        if near:
            errors.append(f"unknown setting {name}; did you mean {near}?")
            continue
        near = _one_edit_of(upper, sizes, theirs)
        if near:
            warnings.append(f"{name} is not read; did you mean {near}?")
    return errors, warnings
