"""Issue 4, TLS and proxies: a TLS-terminating relay on loopback in front of moto (a trustme CA,
certificates for "localhost" and "ssm.test.invalid"), and an HTTP proxy on loopback that records
what it is asked (CONNECT tunnels, absolute-form requests) and reaches "ssm.test.invalid" only
through its own map: the name resolves nowhere else, so a load that succeeds went through it.
"""

from __future__ import annotations

import base64
import ssl
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import ssm_env_wrapper
import trustme
from conftest import assert_no_secrets, put, run, run_show_env, timed_load
from fake_ssm import ConnectProxy, TlsRelay
from ssm_env_wrapper.errors import ConfigError, EndpointError

MARGIN = 2.0
NAME = "ssm.test.invalid"  # resolvable only through ConnectProxy's map (RFC 2606: never in DNS)
VALUE = "tlsProxyValue-DoNotPrint-5t6y7u8i"
PROXY_PASSWORD = "proxyPassw0rd-DoNotPrint-c8Hd"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


@pytest.fixture
def relay(ca, ssm, moto_url):
    """https in front of moto on 127.0.0.1, with a certificate for localhost and NAME (no IP)."""
    upstream = urlsplit(moto_url)
    with TlsRelay(server_context(ca, "localhost", NAME), (upstream.hostname, upstream.port)) as tls:
        yield tls


@pytest.fixture
def proxy(moto_url):
    """A proxy that knows NAME as 127.0.0.1 (the relay and moto listen there)."""
    with ConnectProxy({NAME: "127.0.0.1"}) as server:
        yield server


def load(env, **extra):
    return timed_load(env, **{"SSM_ENV_PATHS": "/prod/app", **extra})


def loaded(outcome) -> dict:
    assert not isinstance(outcome, Exception), str(outcome)
    return outcome.variables


def endpoint_error(outcome, kind=EndpointError) -> str:
    assert isinstance(outcome, kind), type(outcome).__name__
    message = str(outcome)
    assert VALUE not in message and PROXY_PASSWORD not in message and "\n" not in message
    return message


def one_line(proc) -> str:
    assert_no_secrets(proc, VALUE, PROXY_PASSWORD)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


# ------------------------------------------------------------------------------------------- TLS

def test_https_with_the_ca_bundle_loads_from_moto(ssm, env, relay, ca_file, wrapper):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    env.update(AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}", AWS_CA_BUNDLE=ca_file,
               SSM_ENV_PATHS="/prod/app")
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == VALUE
    assert relay.handshakes == 1 and relay.failed_handshakes == 0
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), VALUE)


def test_https_with_the_ca_bundle_through_the_api(ssm, env, relay, ca_file):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    environ = dict(env, AWS_CA_BUNDLE=ca_file)
    values = ssm_env_wrapper.load_parameters("/prod/app", environ=environ,
                                             endpoint_url=f"https://localhost:{relay.port}")
    assert values == {"DB_PASSWORD": VALUE}


def test_an_untrusted_certificate_fails_at_once_and_is_not_retried(ssm, env, relay):
    outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}")
    message = endpoint_error(outcome)
    assert message.startswith(f"GetParametersByPath /prod/app failed: the TLS certificate of "
                              f"https://localhost:{relay.port} is not trusted (")
    assert "set AWS_CA_BUNDLE to the CA that issued it" in message
    assert "attempts" not in message
    time.sleep(0.1)
    assert relay.accepted == 1 and relay.handshakes == 0
    assert elapsed < 5 + MARGIN


def test_an_untrusted_certificate_fails_closed_through_the_wrapper(ssm, env, relay, wrapper):
    began = time.monotonic()
    proc = run(wrapper, ["true"], dict(env, SSM_ENV_PATHS="/prod/app",
                                       AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}"))
    elapsed = time.monotonic() - began
    line = one_line(proc)
    assert line.startswith(f"ssm-env-wrapper: GetParametersByPath /prod/app failed: the TLS certificate "
                           f"of https://localhost:{relay.port} is not trusted (")
    assert "AWS_CA_BUNDLE" in line
    time.sleep(0.1)
    assert relay.accepted == 1
    assert elapsed < 5 + MARGIN


def test_a_certificate_for_another_name_fails_verification(ca, ssm, env, relay, ca_file, moto_url):
    # The relay's certificate names localhost, not the address 127.0.0.1.
    outcome, _ = load(env, AWS_ENDPOINT_URL_SSM=f"https://127.0.0.1:{relay.port}", AWS_CA_BUNDLE=ca_file)
    message = endpoint_error(outcome)
    assert "is not trusted" in message and "127.0.0.1" in message
    time.sleep(0.1)
    assert relay.accepted == 1 and relay.handshakes == 0
    # A certificate issued for another host name entirely.
    upstream = urlsplit(moto_url)
    with TlsRelay(server_context(ca, "other.example"), (upstream.hostname, upstream.port)) as other:
        outcome, _ = load(env, AWS_ENDPOINT_URL_SSM=f"https://localhost:{other.port}", AWS_CA_BUNDLE=ca_file)
        time.sleep(0.1)
        assert other.accepted == 1 and other.handshakes == 0
    message = endpoint_error(outcome)
    assert "is not trusted" in message and "mismatch" in message.lower()


@pytest.mark.parametrize("bundle", ["missing", "not-pem"])
def test_an_unreadable_ca_bundle_is_a_config_error_naming_it(env, relay, tmp_path, bundle):
    path = tmp_path / "bundle.pem"
    if bundle == "not-pem":
        path.write_text("this is not a certificate\n")
    outcome, _ = load(env, AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}", AWS_CA_BUNDLE=str(path))
    message = endpoint_error(outcome, ConfigError)
    assert message.startswith(f"AWS_CA_BUNDLE={str(path)!r} cannot be read as PEM")
    assert message.endswith("or unset it")
    assert relay.accepted == 0


# A regression test: clients were once made inside the worker threads, where a ConfigError ended
# the thread and left its jobs neither done nor failed, and the wrapper exec'd with nothing (fail
# open).
@pytest.mark.parametrize("setting", ["ca-bundle", "proxy"])
def test_a_config_error_with_several_paths_still_fails_closed(env, wrapper, tmp_path, setting):
    extra = {"SSM_ENV_PATHS": "/prod/a,/prod/b"}
    if setting == "ca-bundle":
        extra.update(AWS_ENDPOINT_URL_SSM="https://localhost:9", AWS_CA_BUNDLE=str(tmp_path / "missing.pem"))
        expect = "ssm-env-wrapper: AWS_CA_BUNDLE="
    else:
        extra.update(AWS_ENDPOINT_URL_SSM=f"https://{NAME}:9", HTTPS_PROXY="https://127.0.0.1:3128")
        expect = "ssm-env-wrapper: HTTPS_PROXY: only http:// proxies are supported"
    proc = run(wrapper, ["true"], dict(env, **extra))
    assert one_line(proc).startswith(expect)


# ----------------------------------------------------------------------------------------- proxy

def test_https_goes_through_a_connect_tunnel(ssm, env, relay, proxy, ca_file, wrapper):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    env.update(SSM_ENV_PATHS="/prod/app", AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
               HTTPS_PROXY=proxy.url, AWS_CA_BUNDLE=ca_file)
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == VALUE
    assert proxy.lines == [f"CONNECT {NAME}:{relay.port} HTTP/1.1"]
    assert proxy.headers[0]["host"] == f"{NAME}:{relay.port}"
    assert "proxy-authorization" not in proxy.headers[0]
    assert relay.handshakes == 1  # TLS ran end to end inside the tunnel, verified for NAME


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy"])
def test_either_case_of_the_proxy_variable_works(ssm, env, relay, proxy, ca_file, variable):
    put(ssm, "/prod/app/X", "x")
    outcome, _ = load(env, AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}", AWS_CA_BUNDLE=ca_file,
                      **{variable: proxy.url.replace("http://", "") if variable.islower() else proxy.url})
    assert loaded(outcome) == {"X": "x"}
    assert proxy.lines == [f"CONNECT {NAME}:{relay.port} HTTP/1.1"]


def test_loopback_is_never_proxied(ssm, env, relay, proxy, ca_file):
    put(ssm, "/prod/app/X", "x")
    outcome, _ = load(env, AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}", AWS_CA_BUNDLE=ca_file,
                      HTTPS_PROXY=proxy.url)
    assert loaded(outcome) == {"X": "x"}
    assert proxy.lines == []


@pytest.mark.parametrize("no_proxy", [NAME, "example.com, .test.invalid", "*", NAME.upper()])
def test_no_proxy_bypasses_the_proxy(env, relay, proxy, ca_file, no_proxy):
    # Without the proxy the name resolves nowhere: a cannot-reach error, retried, bounded.
    outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}", AWS_CA_BUNDLE=ca_file,
                            HTTPS_PROXY=proxy.url, NO_PROXY=no_proxy, AWS_MAX_ATTEMPTS="3",
                            SSM_ENV_TIMEOUT="3")
    message = endpoint_error(outcome)
    assert message.startswith(f"GetParametersByPath /prod/app failed: cannot reach https://{NAME}:{relay.port} (")
    assert message.endswith("(after 3 attempts; AWS_MAX_ATTEMPTS=3)")
    assert proxy.lines == [] and relay.accepted == 0
    assert elapsed < 3 + MARGIN


def test_no_proxy_and_an_unresolvable_name_are_bounded_by_the_deadline(env, relay, proxy, ca_file):
    outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}", AWS_CA_BUNDLE=ca_file,
                            HTTPS_PROXY=proxy.url, no_proxy=NAME, SSM_ENV_TIMEOUT="1",
                            AWS_MAX_ATTEMPTS="100")
    endpoint_error(outcome)  # a DeadlineError, or the last attempt's cannot-reach error
    assert proxy.lines == []
    assert elapsed < 1 + MARGIN


def test_proxy_credentials_go_as_basic_auth_and_are_never_printed(ssm, env, relay, proxy, ca_file, wrapper):
    put(ssm, "/prod/app/X", "x")
    url = proxy.url.replace("http://", f"http://ops%40corp:{PROXY_PASSWORD}@")
    env.update(SSM_ENV_PATHS="/prod/app", AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
               HTTPS_PROXY=url, AWS_CA_BUNDLE=ca_file, SSM_ENV_LOG_LEVEL="debug")
    proc = run(wrapper, ["true"], env)
    assert_no_secrets(proc, PROXY_PASSWORD)
    assert proc.returncode == 0, proc.stderr
    expected = base64.b64encode(f"ops@corp:{PROXY_PASSWORD}".encode()).decode()
    assert proxy.headers[0]["proxy-authorization"] == f"Basic {expected}"
    assert expected not in proc.stderr


def test_a_proxy_that_refuses_the_tunnel_is_retried_then_one_line(env, relay, ca_file):
    with ConnectProxy({}) as unknown:  # knows no host: 502 for every CONNECT
        outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
                                AWS_CA_BUNDLE=ca_file, AWS_MAX_ATTEMPTS="3",
                                HTTPS_PROXY=unknown.url.replace("http://", f"http://u:{PROXY_PASSWORD}@"))
        assert len(unknown.lines) == 3
    message = endpoint_error(outcome)
    assert message.startswith(f"GetParametersByPath /prod/app failed: cannot reach https://{NAME}:"
                              f"{relay.port} (the proxy refused the tunnel to {NAME}:{relay.port} "
                              "(HTTP 502)); ")
    assert message.endswith(" (after 3 attempts; AWS_MAX_ATTEMPTS=3)")
    assert elapsed < 5 + MARGIN


def test_plain_http_goes_through_the_proxy_in_absolute_form(ssm, env, proxy, moto_url, wrapper):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    port = urlsplit(moto_url).port
    env.update(SSM_ENV_PATHS="/prod/app", AWS_ENDPOINT_URL_SSM=f"http://{NAME}:{port}", HTTP_PROXY=proxy.url)
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == VALUE
    assert proxy.lines == [f"POST http://{NAME}:{port}/ HTTP/1.1"]
    assert proxy.headers[0]["host"] == f"{NAME}:{port}"


def test_https_proxy_is_not_used_for_plain_http(env, proxy, moto_url):
    port = urlsplit(moto_url).port
    outcome, _ = load(env, AWS_ENDPOINT_URL_SSM=f"http://{NAME}:{port}", HTTPS_PROXY=proxy.url,
                      AWS_MAX_ATTEMPTS="1")
    assert "cannot reach" in endpoint_error(outcome)
    assert proxy.lines == []


def test_plain_http_through_an_authenticating_proxy_sends_its_credentials(ssm, env, proxy, moto_url):
    put(ssm, "/prod/app/X", "x")
    port = urlsplit(moto_url).port
    outcome, _ = load(env, AWS_ENDPOINT_URL_SSM=f"http://{NAME}:{port}",
                      HTTP_PROXY=proxy.url.replace("http://", f"http://ops:{PROXY_PASSWORD}@"))
    assert loaded(outcome) == {"X": "x"}
    expected = base64.b64encode(f"ops:{PROXY_PASSWORD}".encode()).decode()
    assert proxy.headers[0].get("proxy-authorization") == f"Basic {expected}"


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_an_ipv6_endpoint_is_bracketed_for_the_proxy(env, scheme):
    with ConnectProxy({}) as proxy:
        load(env, AWS_ENDPOINT_URL_SSM=f"{scheme}://[2001:db8::5]:8443", AWS_MAX_ATTEMPTS="1",
             **{f"{scheme.upper()}_PROXY": proxy.url})
        target = "CONNECT [2001:db8::5]:8443" if scheme == "https" else "POST http://[2001:db8::5]:8443/"
        assert proxy.lines == [f"{target} HTTP/1.1"]
