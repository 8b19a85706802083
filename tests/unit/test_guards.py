"""Protected names as families matched the way their consumers read them, SSM_ENV_ALLOW, and what the environment can carry."""

from __future__ import annotations

import json

import pytest
from conftest import timed_load
from fake_ssm import FakeSsm
from transport_cases import _value_page

import ssm_env_wrapper


@pytest.mark.parametrize("setting", ["SSM_ENV_NAMES", "SSM_ENV_JSON_NAMES"])
def test_a_value_over_the_environment_limit_is_refused_naming_it(env, monkeypatch, setting):
    # Over 128 KiB (MAX_ARG_STRLEN) but inside the answer cap: never indexed by the redactor,
    # never parsed as JSON; refused naming the parameter, its fix once.
    from ssm_env_wrapper import redact

    indexed = []
    monkeypatch.setattr(redact.Redactor, "add", lambda self, secret: indexed.append(secret))
    document = json.dumps({"K": "v" * 200_000})
    with FakeSsm([(200, _value_page(document, "/app/big"))]) as fake:
        outcome, _ = timed_load(env, AWS_ENDPOINT_URL_SSM=fake.url, **{setting: "A_=/app/big"})
    assert isinstance(outcome, ssm_env_wrapper.SsmEnvError), type(outcome).__name__
    message = str(outcome)
    assert "/app/big" in message and "128 KiB" in message
    assert message.count("MAX_ARG_STRLEN") == 1
    assert not [secret for secret in indexed if len(secret) > 1000]


# (name, family): one or more names a consumer really reads, per family and per consumer.
FAMILY_TABLE = [
    # What loads code: dynamic loader, interpreters' and runtimes' hooks, shells.
    ("LD_PRELOAD", "code"),
    ("LD_AUDIT", "code"),
    ("GLIBC_TUNABLES", "code"),
    ("GETCONF_DIR", "code"),
    ("MALLOC_TRACE", "code"),
    ("DYLD_INSERT_LIBRARIES", "code"),
    ("PYTHONPATH", "code"),
    ("PYTHONSTARTUP", "code"),
    ("PYTHONBREAKPOINT", "code"),
    ("NODE_OPTIONS", "code"),
    ("NODE_PATH", "code"),
    ("NODE_REPL_EXTERNAL_MODULE", "code"),
    ("JAVA_TOOL_OPTIONS", "code"),
    ("_JAVA_OPTIONS", "code"),
    ("JDK_JAVA_OPTIONS", "code"),
    ("CLASSPATH", "code"),
    ("CORECLR_ENABLE_PROFILING", "code"),
    ("CORECLR_PROFILER_PATH", "code"),
    ("DOTNET_STARTUP_HOOKS", "code"),
    ("dotnet_startup_hooks", "code"),
    ("DOTNET_ADDITIONAL_DEPS", "code"),
    ("COMPlus_EnableDiagnostics", "code"),
    ("COMPLUS_ENABLEDIAGNOSTICS", "code"),
    ("DOTNET_DiagnosticPorts", "code"),
    ("COR_PROFILER_PATH", "code"),
    ("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES", "code"),
    ("RUBYOPT", "code"),
    ("RUBYLIB", "code"),
    ("GEM_PATH", "code"),
    ("BUNDLE_GEMFILE", "code"),
    ("RUBYGEMS_GEMDEPS", "code"),
    ("PERL5OPT", "code"),
    ("PERL5LIB", "code"),
    ("PERL5DB", "code"),
    ("PHPRC", "code"),
    ("PHP_INI_SCAN_DIR", "code"),
    ("BASH_ENV", "code"),
    ("ENV", "code"),
    ("BASH_FUNC_ls%%", "code"),
    ("SHELLOPTS", "code"),
    ("PS4", "code"),
    # Prompts are expanded (command substitution included) by an interactive shell that evals
    # `export`'s output: bash PS0-PS2 (PS3 for select), dash PS1, zsh PROMPT with prompt_subst.
    ("PS0", "code"),
    ("PS1", "code"),
    ("PS2", "code"),
    ("PS3", "code"),
    ("PROMPT", "code"),
    ("RPROMPT", "code"),
    # zsh's other names for its prompts (PROMPT2-4 are PS2-PS4, RPS1-2 are RPROMPT-RPROMPT2,
    # SPROMPT asks about a correction, PROMPT_EOL_MARK ends a partial line), and MAILPATH, whose
    # "?message" bash and zsh expand too.
    ("prompt", "code"),
    ("PROMPT2", "code"),
    ("PROMPT3", "code"),
    ("PROMPT4", "code"),
    ("RPS1", "code"),
    ("RPS2", "code"),
    ("RPROMPT2", "code"),
    ("SPROMPT", "code"),
    ("PROMPT_EOL_MARK", "code"),
    ("MAILPATH", "code"),
    ("mailpath", "code"),
    ("IFS", "code"),
    ("PATH", "code"),
    ("GODEBUG", "code"),
    # TLS trust and key logging.
    ("SSL_CERT_FILE", "tls"),
    ("SSL_CERT_DIR", "tls"),
    ("SSLKEYLOGFILE", "tls"),
    ("NODE_TLS_REJECT_UNAUTHORIZED", "tls"),
    ("NODE_EXTRA_CA_CERTS", "tls"),
    ("REQUESTS_CA_BUNDLE", "tls"),
    ("CURL_CA_BUNDLE", "tls"),
    ("OPENSSL_CONF", "tls"),
    ("OPENSSL_MODULES", "tls"),
    ("OPENSSL_ENGINES", "tls"),
    ("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", "tls"),
    # Proxies: any case, any scheme, as CPython's urllib reads them.
    ("HTTPS_PROXY", "proxy"),
    ("https_proxy", "proxy"),
    ("Https_Proxy", "proxy"),
    ("hTTp_pROXY", "proxy"),
    ("ALL_PROXY", "proxy"),
    ("all_proxy", "proxy"),
    ("NO_PROXY", "proxy"),
    ("No_Proxy", "proxy"),
    ("FTP_PROXY", "proxy"),
    ("socks_proxy", "proxy"),
    ("npm_config_https_proxy", "proxy"),
    ("REQUEST_METHOD", "proxy"),
    ("NODE_USE_ENV_PROXY", "proxy"),
    # Name resolution.
    ("HOSTALIASES", "resolver"),
    ("RES_OPTIONS", "resolver"),
    ("LOCALDOMAIN", "resolver"),
    ("RESOLV_HOST_CONF", "resolver"),
    ("NIS_PATH", "resolver"),
    # Locale and charset loading.
    ("LOCPATH", "locale"),
    ("GCONV_PATH", "locale"),
    ("NLSPATH", "locale"),
    ("TZDIR", "locale"),
    ("NODE_ICU_DATA", "locale"),
    ("ICU_DATA", "locale"),
]

# What a function's own configuration is made of, and stays settable.
NOT_PROTECTED = [
    "DB_PASSWORD",
    "NODE_ENV",
    "DOTNETX",
    "PROXY_HOST",
    "HTTP_PROXY_PORT",
    "proxy",
    "LANG",
    "LC_ALL",
    "TZ",
    "HOME",
    "TMPDIR",
    "APP_LD_PRELOAD",
    "ld_preload",
    "openssl_conf",
    "aws_region",
    "ENVIRONMENT",
    "python_path",
    "Path",
]


@pytest.mark.parametrize("name, expected", FAMILY_TABLE)
def test_each_family_member_is_protected(name, expected):
    from ssm_env_wrapper import guards

    assert guards.family(name) == expected
    assert guards.protection(name) == guards.FAMILIES[expected][0]


@pytest.mark.parametrize("name", NOT_PROTECTED)
def test_ordinary_names_stay_settable(name):
    from ssm_env_wrapper import guards

    assert guards.protection(name) == ""


@pytest.mark.parametrize(
    "name, why",
    [
        ("AWS_SECRET_ACCESS_KEY", "credentials"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "credentials"),
        ("AWS_REGION", "Lambda reserves it"),
        ("LAMBDA_TASK_ROOT", "Lambda reserves it"),
        ("_HANDLER", "Lambda reserves it"),
        ("SSM_ENV_PATHS", "a setting of this tool"),
    ],
)
def test_credentials_lambda_and_own_settings_stay_protected(name, why):
    from ssm_env_wrapper import guards

    assert why in guards.protection(name)
    assert why in guards.protection(name, frozenset(("OTHER",)))


def test_allow_lifts_exactly_the_spelling_it_names():
    from ssm_env_wrapper import guards

    allow = frozenset(("HTTPS_PROXY", "OPENSSL_CONF"))
    assert guards.protection("HTTPS_PROXY", allow) == ""
    assert guards.protection("OPENSSL_CONF", allow) == ""
    assert guards.protection("Https_Proxy", allow) == guards.FAMILIES["proxy"][0]
    assert guards.protection("https_proxy", allow) == guards.FAMILIES["proxy"][0]
    assert "credentials" in guards.protection(
        "AWS_SESSION_TOKEN", frozenset(("AWS_SESSION_TOKEN",))
    )
