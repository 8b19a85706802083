"""Proxies through the wrapper: HTTPS through a CONNECT tunnel, plain HTTP in absolute form, proxy credentials never printed, a proxy that answers for SSM or a bad proxy URL fail closed."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from conftest import NAME, assert_no_secrets, put, run, run_show_env
from tls_cases import FORGED, PROXY_PASSWORD, VALUE, InjectingProxy, forged_nowhere, one_line


# ----------------------------------------------------------------------------------------- proxy
def test_https_goes_through_a_connect_tunnel(ssm, env, relay, proxy, ca_file, wrapper):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    env.update(
        SSM_ENV_PATHS="/prod/app",
        AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
        HTTPS_PROXY=proxy.url,
        AWS_CA_BUNDLE=ca_file,
    )
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == VALUE
    assert proxy.lines == [f"CONNECT {NAME}:{relay.port} HTTP/1.1"]
    assert proxy.headers[0]["host"] == f"{NAME}:{relay.port}"
    assert "proxy-authorization" not in proxy.headers[0]
    assert relay.handshakes == 1  # TLS ran end to end inside the tunnel, verified for NAME


def test_proxy_credentials_go_as_basic_auth_and_are_never_printed(
    ssm, env, relay, proxy, ca_file, wrapper
):
    put(ssm, "/prod/app/X", "x")
    url = proxy.url.replace("http://", f"http://ops%40corp:{PROXY_PASSWORD}@")
    env.update(
        SSM_ENV_PATHS="/prod/app",
        AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
        HTTPS_PROXY=url,
        AWS_CA_BUNDLE=ca_file,
        SSM_ENV_LOG_LEVEL="debug",
    )
    proc = run(wrapper, ["true"], env)
    assert_no_secrets(proc, PROXY_PASSWORD)
    assert proc.returncode == 0, proc.stderr
    expected = base64.b64encode(f"ops@corp:{PROXY_PASSWORD}".encode()).decode()
    assert proxy.headers[0]["proxy-authorization"] == f"Basic {expected}"
    assert expected not in proc.stderr


def test_plain_http_goes_through_the_proxy_in_absolute_form(ssm, env, proxy, moto_url, wrapper):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    port = urlsplit(moto_url).port
    env.update(
        SSM_ENV_PATHS="/prod/app",
        AWS_ENDPOINT_URL_SSM=f"http://{NAME}:{port}",
        HTTP_PROXY=proxy.url,
    )
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == VALUE
    assert proxy.lines == [f"POST http://{NAME}:{port}/ HTTP/1.1"]
    assert proxy.headers[0]["host"] == f"{NAME}:{port}"


def test_a_proxy_that_answers_for_ssm_fails_closed_through_the_wrapper(
    ssm, env, relay, ca_file, wrapper
):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    with InjectingProxy(("127.0.0.1", relay.port)) as hostile:
        env.update(
            SSM_ENV_PATHS="/prod/app",
            AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
            HTTPS_PROXY=hostile.url,
            AWS_CA_BUNDLE=ca_file,
            AWS_MAX_ATTEMPTS="2",
        )
        proc, report = run_show_env(wrapper, env)
    reached = report.get("env", {}).get("DB_PASSWORD") == FORGED  # a bool: pytest prints no env
    assert not reached, "the proxy's value reached the runtime"
    started = bool(report)
    assert not started, "the runtime started"
    assert hostile.connects == 2
    forged_nowhere(proc.stdout, proc.stderr)
    line = one_line(proc)
    assert line.startswith(
        f"ssm-env-wrapper: GetParametersByPath /prod/app failed: cannot reach "
        f"https://{NAME}:{relay.port} (the proxy 127.0.0.1:{hostile.port} sent "
        f"bytes into the tunnel to {NAME}:{relay.port} before TLS began; refused)"
    )


def test_a_proxy_url_with_a_bad_port_fails_closed_through_the_wrapper(env, wrapper):
    proc = run(
        wrapper,
        ["true"],
        dict(
            env,
            SSM_ENV_PATHS="/prod/app",
            AWS_ENDPOINT_URL_SSM=f"https://{NAME}:443",
            HTTPS_PROXY="http://127.0.0.1:\u00b2",
        ),
    )
    assert (
        one_line(proc)
        == "ssm-env-wrapper: HTTPS_PROXY is not a proxy URL (expected http://host:port)"
    )
