"""Issue 10, defect 2: the protected names as families, matched the way their consumers read them
(case-folded where CPython's urllib or .NET fold case), refused through the real wrapper."""

from __future__ import annotations

import pytest
from conftest import assert_no_secrets, put, run_show_env

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
    "PS1",
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


REFUSED = [
    "Https_Proxy",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "SSLKEYLOGFILE",
    "GLIBC_TUNABLES",
    "HOSTALIASES",
    "RES_OPTIONS",
    "LOCALDOMAIN",
    "LOCPATH",
    "OPENSSL_CONF",
    "no_proxy",
    "DOTNET_STARTUP_HOOKS",
    "COMPlus_EnableDiagnostics",
]


def test_the_wrapper_refuses_every_family(ssm, env, wrapper):
    # Values that do not spell the names: every value fetched is a secret the log masks (one
    # redactor for the load and the log), so a value holding a name would mask that name too.
    values = {name: f"evil-value-{number:04d}" for number, name in enumerate(REFUSED)}
    for name in REFUSED:
        put(ssm, f"/app/{name}", values[name])
    put(ssm, "/app/FINE", "fine-value-0001")
    done, report = run_show_env(wrapper, dict(env, SSM_ENV_PATHS="/app"))
    assert done.returncode == 1 and report == {}, done.stderr
    assert len(done.stderr.splitlines()) == 1
    for name in REFUSED:
        assert f"/app/{name} would set {name} (" in done.stderr
    assert_no_secrets(done, *values.values())


@pytest.mark.parametrize("name", ["Https_Proxy", "SSLKEYLOGFILE", "GLIBC_TUNABLES"])
def test_a_reference_in_a_protected_variable_is_refused(ssm, env, wrapper, name):
    put(ssm, "/app/x", "evil-reference-val")
    done, report = run_show_env(wrapper, dict(env, **{name: "ssm:/app/x"}))
    assert done.returncode == 1 and report == {}
    assert f"/app/x would set {name} (" in done.stderr
    assert_no_secrets(done, "evil-reference-val")


def test_allow_lets_the_named_spelling_through_and_no_other(ssm, env, wrapper):
    put(ssm, "/app/HTTPS_PROXY", "http://proxy.internal:3128")
    done, report = run_show_env(
        wrapper, dict(env, SSM_ENV_PATHS="/app", SSM_ENV_ALLOW="HTTPS_PROXY")
    )
    assert done.returncode == 0, done.stderr
    assert report["env"]["HTTPS_PROXY"] == "http://proxy.internal:3128"

    put(ssm, "/app/Https_Proxy", "http://evil.example:3128")
    done, report = run_show_env(
        wrapper, dict(env, SSM_ENV_PATHS="/app", SSM_ENV_ALLOW="HTTPS_PROXY")
    )
    assert done.returncode == 1 and report == {}
    assert "/app/Https_Proxy would set Https_Proxy (it routes" in done.stderr


@pytest.mark.parametrize("name", ["SSM_ENV_ORIGINAL", "AWS_SECRET_ACCESS_KEY"])
def test_a_name_no_allow_list_can_lift_is_not_offered_one(ssm, env, wrapper, name):
    # SSM_ENV_ALLOW can never lift credentials nor the tool's own record: the fix must not say so.
    put(ssm, f"/app/{name}", "planted-0099")
    env["SSM_ENV_PATHS"] = "/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    assert f"/app/{name} would set {name}" in proc.stderr
    assert proc.stderr.rstrip().endswith("; rename the parameters"), proc.stderr
    assert "SSM_ENV_ALLOW" not in proc.stderr
    assert_no_secrets(proc, "planted-0099")
