# SPDX-License-Identifier: Apache-2.0
"""Guards: which variables a parameter may never set, and what the environment can carry.

Whoever can write a parameter must not run code in the function, swap its credentials, or steer
its traffic through the environment. So no source may set AWS credentials (whatever
``SSM_ENV_ALLOW`` says), Lambda's reserved variables, this tool's own settings, or a variable of
five families the runtimes and libraries read at start: what loads code, TLS trust and key
logging, proxies, name resolution, locale and charset loading. Each entry names its consumer;
docs/guards.md is the same list for people.

Case: most consumers ask for one exact spelling, so most names match exactly; where a consumer
folds case, so does the match (CPython's ``getproxies_environment`` takes any ``*_proxy`` in
any case; .NET reads ``DOTNET_``/``COMPlus_`` without regard to case). ``SSM_ENV_ALLOW`` lifts
the refusal for the exact spellings it lists: allowing ``HTTPS_PROXY`` leaves ``Https_Proxy``
refused.
"""

from __future__ import annotations

__all__ = [
    "is_credential",
    "never_allowed",
    "protection",
    "family",
    "FAMILIES",
    "MAX_ENV_STRING",
    "env_string_problem",
    "ORIGINAL_VARIABLE",
]

#: This tool's record of what the variables a load changed held before (original.py): read by
#: every later load in the process, so never set from a parameter, whatever SSM_ENV_ALLOW says.
ORIGINAL_VARIABLE = "SSM_ENV_ORIGINAL"

# Credentials and what chooses them: never from a parameter, whatever SSM_ENV_ALLOW says
# (botocore's and the other SDKs' credential chain: "Configuring environment variables" in the AWS
# CLI user guide; container and instance metadata endpoints).
_CREDENTIALS = frozenset(
    (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ACCESS_KEY",
        "AWS_SECRET_KEY",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CONFIG_FILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CREDENTIAL_EXPIRATION",
    )
)
_CREDENTIAL_PREFIXES = ("AWS_CONTAINER_", "AWS_EC2_METADATA_")

# Lambda's reserved variables ("Defined runtime environment variables" in the Lambda developer
# guide) all start with AWS_, LAMBDA_ or _ (_HANDLER, _X_AMZN_TRACE_ID); exact case, as Lambda
# and the runtime interface clients read them.
_LAMBDA_NAMES = frozenset(("_HANDLER", "_X_AMZN_TRACE_ID"))
_LAMBDA_PREFIXES = ("AWS_", "LAMBDA_", "_LAMBDA_", "_AWS_")

#: family -> (why, exact names, exact prefixes, case-folded names, case-folded prefixes,
#: case-folded suffixes). Case-folded entries are written in lower case.
FAMILIES: dict[
    str,
    tuple[str, frozenset[str], tuple[str, ...], frozenset[str], tuple[str, ...], tuple[str, ...]],
] = {
    "code": (
        "it changes what code the runtime loads",
        frozenset(
            (
                "PATH",
                # glibc's dynamic loader and libc: GLIBC_TUNABLES (CVE-2023-4911), the entries of
                # sysdeps/generic/unsecvars.h that load or run code (GETCONF_DIR: getconf execs from
                # it; MALLOC_TRACE writes a file).
                "GLIBC_TUNABLES",
                "GETCONF_DIR",
                "MALLOC_TRACE",
                # Node.js ("Environment variables" in the Node.js CLI docs): options and module
                # paths; the REPL's external module; the IPC channel a parent hands a child.
                "NODE_OPTIONS",
                "NODE_PATH",
                "NODE_REPL_EXTERNAL_MODULE",
                "NODE_CHANNEL_FD",
                "NODE_CHANNEL_SERIALIZATION_MODE",
                "NODE_UNIQUE_ID",
                "NODE_COMPILE_CACHE",
                "NODE_REDIRECT_WARNINGS",
                "NODE_V8_COVERAGE",
                # Java: the launcher and the JVM read these ("JDK_JAVA_OPTIONS" in the java tool
                # reference, JAVA_TOOL_OPTIONS in the JVM TI spec); CLASSPATH.
                "JAVA_TOOL_OPTIONS",
                "_JAVA_OPTIONS",
                "JDK_JAVA_OPTIONS",
                "CLASSPATH",
                # .NET Framework profiler hooks (CORECLR_* and DOTNET_*/COMPlus_* are prefixes below).
                "COR_ENABLE_PROFILING",
                "COR_PROFILER",
                "COR_PROFILER_PATH",
                "COR_PROFILER_PATH_32",
                "COR_PROFILER_PATH_64",
                # Ruby (ruby(1) ENVIRONMENT; RubyGems' RUBYGEMS_GEMDEPS loads a Gemfile).
                "RUBYOPT",
                "RUBYLIB",
                "RUBYPATH",
                "RUBYSHELL",
                "GEM_HOME",
                "GEM_PATH",
                "RUBYGEMS_GEMDEPS",
                # Perl (perlrun ENVIRONMENT): options, library paths, the debugger's code, I/O layers.
                "PERL5OPT",
                "PERL5LIB",
                "PERLLIB",
                "PERL5DB",
                "PERLIO",
                # PHP: php.ini and its scan directory (extensions, auto_prepend_file).
                "PHPRC",
                "PHP_INI_SCAN_DIR",
                # Shells (bash(1) and POSIX sh): files sourced at start, imported functions' options,
                # prompts and MAILPATH (expanded with command substitutions: in a shell that evals
                # `export`'s output too), word splitting, loadable builtins, zsh's start directory.
                "BASH_ENV",
                "ENV",
                "SHELLOPTS",
                "BASHOPTS",
                *"PS0 PS1 PS2 PS3 PS4 PROMPT RPROMPT prompt PROMPT2 PROMPT3 PROMPT4".split(),
                *"RPS1 RPS2 RPROMPT2 SPROMPT PROMPT_EOL_MARK MAILPATH mailpath".split(),  # zsh's names too
                "IFS",
                "PROMPT_COMMAND",
                "BASH_XTRACEFD",
                "BASH_LOADABLES_PATH",
                "ZDOTDIR",
                # Go (runtime package docs): GODEBUG also relaxes crypto/tls and crypto/x509 checks.
                "GODEBUG",
            )
        ),
        # LD_ (glibc's ld.so(8): LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT...), DYLD_ (macOS dyld),
        # PYTHON (CPython's "Environment variables": PYTHONPATH, PYTHONSTARTUP, PYTHONHOME,
        # PYTHONBREAKPOINT...), CORECLR_ (.NET profilers), BASH_FUNC_ (bash's exported functions),
        # MALLOC_ (glibc's and jemalloc's allocator settings), BUNDLE_ (Bundler's settings, the
        # Gemfile among them).
        ("LD_", "DYLD_", "PYTHON", "CORECLR_", "BASH_FUNC_", "MALLOC_", "BUNDLE_"),
        # ASP.NET Core's hosting startup assemblies (loaded at start; configuration keys are
        # case-insensitive).
        frozenset(("aspnetcore_hostingstartupassemblies",)),
        # .NET: the host's and runtime's knobs, DOTNET_STARTUP_HOOKS, DOTNET_ADDITIONAL_DEPS,
        # DOTNET_SHARED_STORE, DOTNET_ROOT, DOTNET_DiagnosticPorts ("Runtime configuration
        # options" and "Environment variables used by the .NET SDK, CLI and runtime").
        ("dotnet_", "complus_"),
        (),
    ),
    "tls": (
        "it changes which TLS certificates are trusted or writes TLS keys to a file",
        frozenset(
            (
                # OpenSSL (openssl-env(7)), read by CPython's ssl, Node, Ruby, curl and .NET on Linux.
                "SSL_CERT_FILE",
                "SSL_CERT_DIR",
                "CTLOG_FILE",
                # Key logging: CPython's ssl.create_default_context, curl, NSS, Firefox's format.
                "SSLKEYLOGFILE",
                # Node.js: '0' turns certificate checks off; extra and system CA stores.
                "NODE_TLS_REJECT_UNAUTHORIZED",
                "NODE_EXTRA_CA_CERTS",
                "NODE_USE_SYSTEM_CA",
                # requests (and botocore's vendored callers), curl, httplib2, gRPC, websocket-client.
                "REQUESTS_CA_BUNDLE",
                "CURL_CA_BUNDLE",
                "CURL_SSL_BACKEND",
                "CURL_HOME",
                "HTTPLIB2_CA_CERTS",
                "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
                "WEBSOCKET_CLIENT_CA_BUNDLE",
            )
        ),
        # OpenSSL reads OPENSSL_CONF, OPENSSL_ENGINES, OPENSSL_MODULES (loads providers: code),
        # OPENSSL_ia32cap, OPENSSL_TRACE... (openssl-env(7)).
        ("OPENSSL_",),
        frozenset(),
        (),
        (),
    ),
    "proxy": (
        "it routes the function's traffic through a proxy",
        # REQUEST_METHOD makes CPython (CVE-2016-1000110), Go and Ruby drop HTTP_PROXY: a way
        # around a proxy the function must use. Node.js honours the proxy variables when
        # NODE_USE_ENV_PROXY is set.
        frozenset(("REQUEST_METHOD", "NODE_USE_ENV_PROXY")),
        (),
        frozenset(),
        (),
        # CPython's urllib.request.getproxies_environment: any name whose lower-cased form ends
        # in "_proxy" (no_proxy included); curl, Go, .NET and Ruby read http_proxy, HTTPS_PROXY,
        # ALL_PROXY, NO_PROXY in one or both cases, all of which this suffix covers.
        ("_proxy",),
    ),
    "resolver": (
        "it changes how host names resolve",
        # glibc's resolver (resolv.conf(5) ENVIRONMENT, hostname(7)) and c-ares (Node's dns),
        # all in unsecvars.h: host aliases file, resolver options, search domain, NIS path.
        frozenset(("HOSTALIASES", "RES_OPTIONS", "LOCALDOMAIN", "NIS_PATH")),
        # glibc's host.conf overrides: RESOLV_HOST_CONF, RESOLV_MULTI, RESOLV_REORDER...
        ("RESOLV_",),
        frozenset(),
        (),
        (),
    ),
    "locale": (
        "it makes the runtime load locale or charset files (gconv loads shared objects)",
        # glibc: locale archive path, iconv modules (GCONV_PATH loads .so files), message
        # catalogs (catopen), time zone files; ICU's data file (Node's NODE_ICU_DATA).
        frozenset(("LOCPATH", "GCONV_PATH", "NLSPATH", "TZDIR", "ICU_DATA", "NODE_ICU_DATA")),
        (),
        frozenset(),
        (),
        (),
    ),
}


#: The kernel's limit for one ``NAME=value`` string, terminating NUL included (MAX_ARG_STRLEN,
#: 32 pages of 4 KiB, in include/uapi/linux/binfmts.h).
MAX_ENV_STRING = 131072


def is_credential(name: str) -> bool:
    """True for a variable that holds or chooses AWS credentials."""
    return name in _CREDENTIALS or name.startswith(_CREDENTIAL_PREFIXES)


def family(name: str) -> str:
    """The protected family ``name`` belongs to (a key of ``FAMILIES``), or ``""``."""
    folded = name.lower()
    for key, (
        _,
        names,
        prefixes,
        folded_names,
        folded_prefixes,
        folded_suffixes,
    ) in FAMILIES.items():
        if (
            name in names
            or name.startswith(prefixes)
            or folded in folded_names
            or (folded_prefixes and folded.startswith(folded_prefixes))
            or (folded_suffixes and folded.endswith(folded_suffixes))
        ):
            return key
    return ""


def never_allowed(name: str) -> str:
    """Why no allow-list can lift the refusal of ``name`` (``""``: one can)."""
    if is_credential(name):
        return "it holds or chooses AWS credentials"
    if name == ORIGINAL_VARIABLE:
        return "it is this tool's record of the configuration, read by every later load"
    return ""


def protection(name: str, allow: frozenset[str] = frozenset()) -> str:
    """Why ``name`` may not be set from a parameter (``""``: it may). ``allow`` lifts the refusal
    for the exact names it holds, never for those of ``never_allowed``."""
    fixed = never_allowed(name)
    if fixed:
        return fixed
    if name in allow:
        return ""
    if name in _LAMBDA_NAMES or name.startswith(_LAMBDA_PREFIXES):
        return "Lambda reserves it"
    if name.startswith("SSM_ENV_"):
        return "it is a setting of this tool"
    key = family(name)
    return FAMILIES[key][0] if key else ""


def env_string_problem(name: str, value: str, encoding: str = "utf-8") -> str:
    """Why ``name=value`` cannot be put in the environment (``""``: it can)."""
    if "\0" in value:
        return "its value contains a NUL character, which no environment variable can carry"
    try:
        size = (
            len(name.encode(encoding, "surrogateescape"))
            + len(value.encode(encoding, "surrogateescape"))
            + 2
        )
    except UnicodeEncodeError:
        return f"its value cannot be encoded as {encoding} for the environment"
    if size > MAX_ENV_STRING:
        return (
            f"NAME=value would be {size} bytes, over the kernel's limit of {MAX_ENV_STRING} for "
            "one environment string (MAX_ARG_STRLEN); keep it under 128 KiB"
        )
    return ""
