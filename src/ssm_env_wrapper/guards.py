# SPDX-License-Identifier: Apache-2.0
"""Guards: which variables a parameter may never set, and what the environment can carry.

Whoever can write a parameter must not be able to run code in the function or swap its
credentials through the environment. So by default no source may set Lambda's reserved variables,
this tool's own settings, or a variable that changes what code a runtime loads or which
certificates and proxies it trusts. ``SSM_ENV_ALLOW`` lifts this for named variables, never for
credentials.
"""

from __future__ import annotations

__all__ = ["is_credential", "protection", "MAX_ENV_STRING", "env_string_problem"]

# Credentials and what chooses them: never from a parameter, whatever SSM_ENV_ALLOW says.
_CREDENTIALS = frozenset((
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CREDENTIAL_EXPIRATION",
))
_CREDENTIAL_PREFIXES = ("AWS_CONTAINER_", "AWS_EC2_METADATA_")

# Lambda's reserved variables ("Defined runtime environment variables" in the Lambda developer
# guide) all start with AWS_, LAMBDA_ or _; this tool's settings with SSM_ENV_. Loader and
# interpreter hooks: LD_* (glibc), PYTHON* (CPython), CORECLR_* (.NET profilers), DYLD_* (macOS).
_PROTECTED_PREFIXES = ("AWS_", "LAMBDA_", "_LAMBDA_", "_AWS_", "SSM_ENV_", "LD_", "PYTHON",
                       "CORECLR_", "DYLD_")
_PROTECTED = frozenset((
    "_HANDLER", "_X_AMZN_TRACE_ID", "PATH",
    # Runtimes' code-loading hooks.
    "NODE_OPTIONS", "NODE_PATH", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
    "CLASSPATH", "DOTNET_STARTUP_HOOKS", "DOTNET_ADDITIONAL_DEPS", "DOTNET_SHARED_STORE",
    "PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT", "RUBYLIB", "GEM_HOME", "GEM_PATH",
    "BUNDLE_GEMFILE", "PHPRC", "PHP_INI_SCAN_DIR",
    # Shells: files sourced and options taken at start.
    "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "IFS", "GCONV_PATH",
    # Trust and traffic: certificates, TLS configuration and proxies.
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
    "OPENSSL_CONF", "OPENSSL_ENGINES", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
))

#: The kernel's limit for one ``NAME=value`` string, terminating NUL included (MAX_ARG_STRLEN,
#: 32 pages of 4 KiB, in include/uapi/linux/binfmts.h).
MAX_ENV_STRING = 131072


def is_credential(name: str) -> bool:
    """True for a variable that holds or chooses AWS credentials."""
    return name in _CREDENTIALS or name.startswith(_CREDENTIAL_PREFIXES)


def protection(name: str, allow: frozenset[str] = frozenset()) -> str:
    """Why ``name`` may not be set from a parameter (``""``: it may)."""
    if is_credential(name):
        return "it holds or chooses AWS credentials"
    if name in allow:
        return ""
    if name in _PROTECTED or name.startswith(_PROTECTED_PREFIXES):
        if name.startswith(("AWS_", "LAMBDA_", "_")):
            return "Lambda reserves it"
        if name.startswith("SSM_ENV_"):
            return "it is a setting of this tool"
        return "it changes what code runs or what is trusted"
    return ""


def env_string_problem(name: str, value: str, encoding: str = "utf-8") -> str:
    """Why ``name=value`` cannot be put in the environment (``""``: it can)."""
    if "\0" in value:
        return "its value contains a NUL character, which no environment variable can carry"
    try:
        size = len(name.encode(encoding, "surrogateescape")) + len(value.encode(encoding, "surrogateescape")) + 2
    except UnicodeEncodeError:
        return f"its value cannot be encoded as {encoding} for the environment"
    if size > MAX_ENV_STRING:
        return (f"NAME=value would be {size} bytes, over the kernel's limit of {MAX_ENV_STRING} for "
                "one environment string (MAX_ARG_STRLEN); keep it under 128 KiB")
    return ""
