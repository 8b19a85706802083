"""TLS trust through the wrapper: a CA bundle that verifies, an untrusted certificate and unreadable bundles fail closed."""

from __future__ import annotations

import subprocess
import time

import pytest
from conftest import (
    NAME,
    assert_no_secrets,
    put,
    run,
    run_show_env,
    wait_for,
)
from tls_cases import MARGIN, VALUE, one_line


# ------------------------------------------------------------------------------------------- TLS
def test_https_with_the_ca_bundle_loads_from_moto(ssm, env, relay, ca_file, wrapper):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    env.update(
        AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}",
        AWS_CA_BUNDLE=ca_file,
        SSM_ENV_PATHS="/prod/app",
    )
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == VALUE
    assert relay.handshakes == 1 and relay.failed_handshakes == 0
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), VALUE)


def test_an_untrusted_certificate_fails_closed_through_the_wrapper(ssm, env, relay, wrapper):
    began = time.monotonic()
    proc = run(
        wrapper,
        ["true"],
        dict(
            env, SSM_ENV_PATHS="/prod/app", AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}"
        ),
    )
    elapsed = time.monotonic() - began
    line = one_line(proc)
    assert line.startswith(
        f"ssm-env-wrapper: GetParametersByPath /prod/app failed: the TLS certificate "
        f"of https://localhost:{relay.port} is not trusted ("
    )
    assert "AWS_CA_BUNDLE" in line
    assert wait_for(lambda: relay.accepted >= 1)
    assert relay.accepted == 1
    assert elapsed < 5 + MARGIN


# A regression test: clients were once made inside the worker threads, where a ConfigError ended
# the thread and left its jobs neither done nor failed, and the wrapper exec'd with nothing (fail
# open).
@pytest.mark.parametrize("setting", ["ca-bundle", "proxy"])
def test_a_config_error_with_several_paths_still_fails_closed(env, wrapper, tmp_path, setting):
    extra = {"SSM_ENV_PATHS": "/prod/a,/prod/b"}
    if setting == "ca-bundle":
        extra.update(
            AWS_ENDPOINT_URL_SSM="https://localhost:9", AWS_CA_BUNDLE=str(tmp_path / "missing.pem")
        )
        expect = "ssm-env-wrapper: AWS_CA_BUNDLE="
    else:
        extra.update(AWS_ENDPOINT_URL_SSM=f"https://{NAME}:9", HTTPS_PROXY="https://127.0.0.1:3128")
        expect = "ssm-env-wrapper: HTTPS_PROXY: only http:// proxies are supported"
    proc = run(wrapper, ["true"], dict(env, **extra))
    assert one_line(proc).startswith(expect)
