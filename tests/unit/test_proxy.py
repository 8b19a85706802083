"""Which proxy a connection goes through: HTTPS_PROXY/HTTP_PROXY in either case, NO_PROXY and loopback bypass, CONNECT tunnels, proxy credentials, proxy URLs that parse or are refused."""

from __future__ import annotations

import base64
import socket
from urllib.parse import urlsplit

import pytest
from conftest import NAME, put
from fake_ssm import ConnectProxy, _Listener, pipe, read_head
from tls_cases import (
    MARGIN,
    PROXY_PASSWORD,
    VALUE,
    InjectingProxy,
    endpoint_error,
    forged_nowhere,
    load,
)

import ssm_env_wrapper
from ssm_env_wrapper.errors import ConfigError, EndpointError


def loaded(outcome) -> dict:
    assert not isinstance(outcome, Exception), str(outcome)
    return outcome.variables


def unresolvable(message: str, url: str, attempts: int) -> bool:
    """``message`` says the host of ``url`` does not exist, at the first attempt; or, where this
    machine's resolver cannot answer at all (EAI_AGAIN), that it cannot be reached, retried."""
    host = urlsplit(url).hostname
    prefix = "GetParametersByPath /prod/app failed: "
    if message.startswith(f"{prefix}the host name {host} does not exist ("):
        return "attempt" not in message and message.count("check the host in") == 1
    plural = "attempt" if attempts == 1 else "attempts"
    return message.startswith(f"{prefix}cannot reach {url} (") and message.endswith(
        f"(after {attempts} {plural}; AWS_MAX_ATTEMPTS={attempts})"
    )


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy"])
def test_either_case_of_the_proxy_variable_works(ssm, env, relay, proxy, ca_file, variable):
    put(ssm, "/prod/app/X", "x")
    outcome, _ = load(
        env,
        AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
        AWS_CA_BUNDLE=ca_file,
        **{variable: proxy.url.replace("http://", "") if variable.islower() else proxy.url},
    )
    assert loaded(outcome) == {"X": "x"}
    assert proxy.lines == [f"CONNECT {NAME}:{relay.port} HTTP/1.1"]


def test_loopback_is_never_proxied(ssm, env, relay, proxy, ca_file):
    put(ssm, "/prod/app/X", "x")
    outcome, _ = load(
        env,
        AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}",
        AWS_CA_BUNDLE=ca_file,
        HTTPS_PROXY=proxy.url,
    )
    assert loaded(outcome) == {"X": "x"}
    assert proxy.lines == []


@pytest.mark.parametrize("no_proxy", [NAME, "example.com, .test.invalid", "*", NAME.upper()])
def test_no_proxy_bypasses_the_proxy(env, relay, proxy, ca_file, no_proxy):
    # Without the proxy the name resolves nowhere: a name that does not exist fails at the first
    # attempt (a resolver that cannot answer at all, EAI_AGAIN, is retried, bounded).
    outcome, elapsed = load(
        env,
        AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
        AWS_CA_BUNDLE=ca_file,
        HTTPS_PROXY=proxy.url,
        NO_PROXY=no_proxy,
        AWS_MAX_ATTEMPTS="3",
        SSM_ENV_TIMEOUT="3",
    )
    message = endpoint_error(outcome)
    assert unresolvable(message, f"https://{NAME}:{relay.port}", 3)
    assert proxy.lines == [] and relay.accepted == 0
    assert elapsed < 3 + MARGIN


def test_no_proxy_and_an_unresolvable_name_are_bounded_by_the_deadline(env, relay, proxy, ca_file):
    outcome, elapsed = load(
        env,
        AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
        AWS_CA_BUNDLE=ca_file,
        HTTPS_PROXY=proxy.url,
        no_proxy=NAME,
        SSM_ENV_TIMEOUT="1",
        AWS_MAX_ATTEMPTS="100",
    )
    endpoint_error(outcome)  # a DeadlineError, or the last attempt's cannot-reach error
    assert proxy.lines == []
    assert elapsed < 1 + MARGIN


def test_a_proxy_that_refuses_the_tunnel_is_retried_then_one_line(env, relay, ca_file):
    with ConnectProxy({}) as unknown:  # knows no host: 502 for every CONNECT
        outcome, elapsed = load(
            env,
            AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
            AWS_CA_BUNDLE=ca_file,
            AWS_MAX_ATTEMPTS="3",
            HTTPS_PROXY=unknown.url.replace("http://", f"http://u:{PROXY_PASSWORD}@"),
        )
        assert len(unknown.lines) == 3
    message = endpoint_error(outcome)
    assert message.startswith(
        f"GetParametersByPath /prod/app failed: cannot reach https://{NAME}:"
        f"{relay.port} (the proxy refused the tunnel to {NAME}:{relay.port} "
        "(HTTP 502)); "
    )
    assert message.endswith(" (after 3 attempts; AWS_MAX_ATTEMPTS=3)")
    assert elapsed < 5 + MARGIN


def test_https_proxy_is_not_used_for_plain_http(env, proxy, moto_url):
    port = urlsplit(moto_url).port
    outcome, _ = load(
        env,
        AWS_ENDPOINT_URL_SSM=f"http://{NAME}:{port}",
        HTTPS_PROXY=proxy.url,
        AWS_MAX_ATTEMPTS="1",
    )
    assert unresolvable(endpoint_error(outcome), f"http://{NAME}:{port}", 1)
    assert proxy.lines == []


def test_plain_http_through_an_authenticating_proxy_sends_its_credentials(
    ssm, env, proxy, moto_url
):
    put(ssm, "/prod/app/X", "x")
    port = urlsplit(moto_url).port
    outcome, _ = load(
        env,
        AWS_ENDPOINT_URL_SSM=f"http://{NAME}:{port}",
        HTTP_PROXY=proxy.url.replace("http://", f"http://ops:{PROXY_PASSWORD}@"),
    )
    assert loaded(outcome) == {"X": "x"}
    expected = base64.b64encode(f"ops:{PROXY_PASSWORD}".encode()).decode()
    assert proxy.headers[0].get("proxy-authorization") == f"Basic {expected}"


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_an_ipv6_endpoint_is_bracketed_for_the_proxy(env, scheme):
    with ConnectProxy({}) as proxy:
        load(
            env,
            AWS_ENDPOINT_URL_SSM=f"{scheme}://[2001:db8::5]:8443",
            AWS_MAX_ATTEMPTS="1",
            **{f"{scheme.upper()}_PROXY": proxy.url},
        )
        target = (
            "CONNECT [2001:db8::5]:8443" if scheme == "https" else "POST http://[2001:db8::5]:8443/"
        )
        assert proxy.lines == [f"{target} HTTP/1.1"]


def test_a_proxy_that_answers_for_ssm_with_its_200_is_refused(ssm, env, relay, ca_file):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    with InjectingProxy(("127.0.0.1", relay.port)) as hostile:
        outcome, elapsed = load(
            env,
            AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
            AWS_CA_BUNDLE=ca_file,
            HTTPS_PROXY=hostile.url,
            AWS_MAX_ATTEMPTS="2",
        )
    assert not isinstance(outcome, ssm_env_wrapper.LoadResult), "the proxy's answer was loaded"
    message = endpoint_error(outcome)
    forged_nowhere(message)
    assert hostile.connects == 2  # refused at each attempt
    assert message.startswith(
        f"GetParametersByPath /prod/app failed: cannot reach https://{NAME}:"
        f"{relay.port} (the proxy 127.0.0.1:{hostile.port} sent bytes into the "
        f"tunnel to {NAME}:{relay.port} before TLS began; refused); "
    )
    assert message.endswith("(after 2 attempts; AWS_MAX_ATTEMPTS=2)")
    assert elapsed < 5 + MARGIN


def test_a_proxy_that_answers_for_ssm_is_refused_through_the_api(ssm, env, relay, ca_file):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    with InjectingProxy(("127.0.0.1", relay.port)) as hostile:
        environ = dict(env, AWS_CA_BUNDLE=ca_file, HTTPS_PROXY=hostile.url)
        with pytest.raises(EndpointError) as caught:
            ssm_env_wrapper.load_parameters(  # the API's attempts are its argument, not the env's
                "/prod/app",
                environ=environ,
                endpoint_url=f"https://{NAME}:{relay.port}",
                max_attempts=1,
            )
    assert f"the proxy 127.0.0.1:{hostile.port} sent bytes into the tunnel" in str(caught.value)


def test_a_proxy_that_answers_the_tls_hello_in_clear_fails_the_handshake(env, relay, ca_file):
    # Bytes that come after the tunnel opened go to TLS, which cannot be fooled: a failed
    # handshake, never an answer.
    with InjectingProxy(("127.0.0.1", relay.port), when="after-hello") as hostile:
        outcome, _ = load(
            env,
            AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
            AWS_CA_BUNDLE=ca_file,
            HTTPS_PROXY=hostile.url,
            AWS_MAX_ATTEMPTS="1",
        )
        assert hostile.connects == 1
    message = endpoint_error(outcome)
    forged_nowhere(message)
    assert message.startswith(
        f"GetParametersByPath /prod/app failed: the TLS handshake with https://{NAME}:"
    )
    assert "attempt" not in message  # a protocol failure is not retried
    assert relay.accepted == 0


@pytest.mark.parametrize(
    "answer",
    [
        # RFC 9112 6.3: a 2xx to CONNECT has no body; a client "MUST ignore" its framing fields.
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",  # an interim answer first
    ],
    ids=["content-length-ignored", "interim-first"],
)
def test_a_tunnel_opens_after_any_well_formed_200(ssm, env, relay, ca_file, answer):
    put(ssm, "/prod/app/X", "x")

    class Proxy(InjectingProxy):
        def handle(self, conn):
            conn.settimeout(5)
            if read_head(conn) is None:
                return
            with self._lock:
                self.connects += 1
            conn.sendall(answer)
            upstream = self.track(socket.create_connection(self.upstream, timeout=5))
            pipe(conn, upstream, self.stop)
            upstream.close()

    with Proxy(("127.0.0.1", relay.port)) as proxy:
        outcome, _ = load(
            env,
            AWS_ENDPOINT_URL_SSM=f"https://{NAME}:{relay.port}",
            AWS_CA_BUNDLE=ca_file,
            HTTPS_PROXY=proxy.url,
            AWS_MAX_ATTEMPTS="1",
        )
        assert proxy.connects == 1
    assert loaded(outcome) == {"X": "x"}


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 2\xc2\xb20 OK\r\n\r\n",
        b"HTTP/1.1 101 Switching\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNot a field\r\n\r\n",
    ],
)
def test_a_proxy_that_breaks_http_is_named(env, answer):
    with _Answering(answer) as proxy:
        outcome, _ = load(
            env,
            AWS_ENDPOINT_URL_SSM=f"https://{NAME}:443",
            HTTPS_PROXY=proxy.url,
            AWS_MAX_ATTEMPTS="1",
        )
    message = endpoint_error(outcome)
    assert f"(the proxy 127.0.0.1:{proxy.port} broke HTTP answering CONNECT {NAME}:443: " in message


class _Answering(_Listener):
    """Answers whatever comes with ``answer``, then closes."""

    def __init__(self, answer: bytes) -> None:
        super().__init__()
        self.answer = answer
        self.url = f"http://127.0.0.1:{self.port}"

    def handle(self, conn):
        conn.settimeout(5)
        if conn.recv(65536):
            conn.sendall(self.answer)


# ----------------------------------------------------------------------------- the proxy's URL
# A port checked with str.isdigit() lets "http://host:²" end in a ValueError traceback, and int()
# reads Arabic-Indic digits as a port; 0 and ports past 65535 must not reach the connect
# (getaddrinfo wraps 99999 round to 34463).
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:\u00b2",
        "http://127.0.0.1:\u0663\u0661\u0662\u0668",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:0",
        "http://127.0.0.1:-1",
        "http://127.0.0.1:+80",
        "http://[::1",
        "http://[::1]x",
        "http://::1:3128",
        "http://:3128",
        "http://u:" + PROXY_PASSWORD + "@127.0.0.1:x",
    ],
)
def test_a_proxy_url_with_a_bad_port_is_a_config_error_naming_it(env, url):
    outcome, _ = load(
        env, AWS_ENDPOINT_URL_SSM=f"https://{NAME}:443", HTTPS_PROXY=url, AWS_MAX_ATTEMPTS="1"
    )
    message = endpoint_error(outcome, ConfigError)
    assert message == "HTTPS_PROXY is not a proxy URL (expected http://host:port)"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://[::1]:3128", ("::1", 3128, None)),
        ("http://[2001:db8::7]", ("2001:db8::7", 80, None)),
        ("http://u:p@[::1]:8080/", ("::1", 8080, "u:p")),
        ("proxy.example:3128", ("proxy.example", 3128, None)),
        ("http://127.0.0.1:", ("127.0.0.1", 80, None)),
        ("http://proxy.example:65535", ("proxy.example", 65535, None)),
    ],
)
def test_proxy_urls_that_parse(url, expected):
    from ssm_env_wrapper.resolve import proxy_policy_from_environ

    proxy = proxy_policy_from_environ({"HTTPS_PROXY": url}).for_url("https", NAME)
    assert proxy is not None and (proxy.host, proxy.port, proxy.auth) == expected
