"""Protected names through the wrapper: every family refused, references into them refused, SSM_ENV_ALLOW lifting exactly the spelling it names."""

from __future__ import annotations

import pytest
from conftest import assert_no_secrets, put, run_show_env

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
