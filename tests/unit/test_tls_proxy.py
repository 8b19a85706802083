"""Issue 4, TLS and proxies: a TLS-terminating relay on loopback in front of moto (a trustme CA,
certificates for "localhost" and "ssm.test.invalid"), and an HTTP proxy on loopback that records
what it is asked (CONNECT tunnels, absolute-form requests) and reaches "ssm.test.invalid" only
through its own map: the name resolves nowhere else, so a load that succeeds went through it.
"""

from __future__ import annotations

import base64
import socket
import ssl
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
import trustme
from conftest import SRC, assert_no_secrets, put, run, run_show_env, timed_load, wait_for
from fake_ssm import ConnectProxy, TlsRelay, _Listener, http_answer, pipe

import ssm_env_wrapper
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


def one_line(proc) -> str:
    assert_no_secrets(proc, VALUE, PROXY_PASSWORD)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


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


def test_https_with_the_ca_bundle_through_the_api(ssm, env, relay, ca_file):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    environ = dict(env, AWS_CA_BUNDLE=ca_file)
    values = ssm_env_wrapper.load_parameters(
        "/prod/app", environ=environ, endpoint_url=f"https://localhost:{relay.port}"
    )
    assert values == {"DB_PASSWORD": VALUE}


def test_an_untrusted_certificate_fails_at_once_and_is_not_retried(ssm, env, relay):
    outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}")
    message = endpoint_error(outcome)
    assert message.startswith(
        f"GetParametersByPath /prod/app failed: the TLS certificate of "
        f"https://localhost:{relay.port} is not trusted ("
    )
    assert "set AWS_CA_BUNDLE to the CA that issued it" in message
    assert "attempts" not in message
    assert wait_for(lambda: relay.accepted >= 1)
    assert relay.accepted == 1 and relay.handshakes == 0
    assert elapsed < 5 + MARGIN


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


def test_a_certificate_for_another_name_fails_verification(ca, ssm, env, relay, ca_file, moto_url):
    # The relay's certificate names localhost, not the address 127.0.0.1.
    outcome, _ = load(
        env, AWS_ENDPOINT_URL_SSM=f"https://127.0.0.1:{relay.port}", AWS_CA_BUNDLE=ca_file
    )
    message = endpoint_error(outcome)
    assert "is not trusted" in message and "127.0.0.1" in message
    assert wait_for(lambda: relay.accepted >= 1)
    assert relay.accepted == 1 and relay.handshakes == 0
    # A certificate issued for another host name entirely.
    upstream = urlsplit(moto_url)
    with TlsRelay(server_context(ca, "other.example"), (upstream.hostname, upstream.port)) as other:
        outcome, _ = load(
            env, AWS_ENDPOINT_URL_SSM=f"https://localhost:{other.port}", AWS_CA_BUNDLE=ca_file
        )
        assert wait_for(lambda: other.accepted >= 1)
        assert other.accepted == 1 and other.handshakes == 0
    message = endpoint_error(outcome)
    assert "is not trusted" in message and "mismatch" in message.lower()


@pytest.mark.parametrize("bundle", ["missing", "not-pem"])
def test_an_unreadable_ca_bundle_is_a_config_error_naming_it(env, relay, tmp_path, bundle):
    path = tmp_path / "bundle.pem"
    if bundle == "not-pem":
        path.write_text("this is not a certificate\n")
    outcome, _ = load(
        env, AWS_ENDPOINT_URL_SSM=f"https://localhost:{relay.port}", AWS_CA_BUNDLE=str(path)
    )
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
        extra.update(
            AWS_ENDPOINT_URL_SSM="https://localhost:9", AWS_CA_BUNDLE=str(tmp_path / "missing.pem")
        )
        expect = "ssm-env-wrapper: AWS_CA_BUNDLE="
    else:
        extra.update(AWS_ENDPOINT_URL_SSM=f"https://{NAME}:9", HTTPS_PROXY="https://127.0.0.1:3128")
        expect = "ssm-env-wrapper: HTTPS_PROXY: only http:// proxies are supported"
    proc = run(wrapper, ["true"], dict(env, **extra))
    assert one_line(proc).startswith(expect)


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


# ------------------------------------------------------------------- a proxy that answers for SSM
# Issue 10, defect 1: bytes a proxy sends after its 200 to CONNECT once stayed in the connection's
# buffer and were read, after a verified TLS handshake, as the endpoint's answer: the proxy chose
# the parameters. Nothing received before the handshake may count as the endpoint's answer.

FORGED = "forgedByTheProxy-DoNotLoad-4e5r"
FORGED_ANSWER = http_answer(
    200,
    {
        "Parameters": [
            {"Name": "/prod/app/DB_PASSWORD", "Value": FORGED, "Type": "String", "Version": 1},
            {"Name": "/prod/app/INJECTED", "Value": FORGED, "Type": "String", "Version": 1},
        ]
    },
    {"Content-Type": "application/x-amz-json-1.1"},
)


class InjectingProxy(_Listener):
    """A CONNECT proxy on 127.0.0.1 that opens the tunnel to ``upstream`` (the real TLS relay),
    and speaks for the endpoint: ``when="with-200"`` sends ``FORGED_ANSWER`` in the same write as
    its ``200``, ``when="after-hello"`` waits for the client's TLS hello and answers it with
    ``FORGED_ANSWER`` in clear. ``connects`` counts the CONNECT requests."""

    def __init__(self, upstream: tuple[str, int], when: str = "with-200") -> None:
        super().__init__()
        self.upstream = upstream
        self.when = when
        self.url = f"http://127.0.0.1:{self.port}"
        self.connects = 0

    def handle(self, conn):
        conn.settimeout(5)
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            data = conn.recv(65536)
            if not data or len(buffer) > 65536:
                return
            buffer += data
        if not buffer.startswith(b"CONNECT "):
            return
        with self._lock:
            self.connects += 1
        established = b"HTTP/1.1 200 Connection Established\r\n\r\n"
        if self.when == "with-200":
            conn.sendall(established + FORGED_ANSWER)  # one write: the client reads both at once
            upstream = self.track(socket.create_connection(self.upstream, timeout=5))
            pipe(conn, upstream, self.stop)  # the genuine TLS handshake and answer go through
            upstream.close()
        else:
            conn.sendall(established)
            if conn.recv(65536):  # the client's TLS hello
                conn.sendall(FORGED_ANSWER)


def forged_nowhere(*texts: str) -> None:
    assert not [t for t in texts if FORGED in t], "the proxy's forged value reached the output"


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
            buffer = b""
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
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


# ----------------------------------------------------------------------------- the TLS name (SNI)


def test_an_ascii_host_name_is_not_idna_encoded(ssm, env, relay, ca_file):
    # ssl's _encode_hostname runs str.encode("idna") on a str server_hostname, importing
    # encodings.idna, stringprep and unicodedata at every cold start; bytes go as they are.
    put(ssm, "/prod/app/X", "x")
    code = (
        f"import sys; sys.path.insert(0, {str(SRC)!r}); import ssm_env_wrapper; "
        f"v = ssm_env_wrapper.load_parameters('/prod/app', endpoint_url='https://localhost:{relay.port}'); "
        "print(v == {'X': 'x'}, [m for m in ('encodings.idna', 'stringprep', 'unicodedata') "
        "if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        env=dict(env, AWS_CA_BUNDLE=ca_file),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_no_secrets(proc)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["True", "[]"]
    assert relay.handshakes == 1


# ----------------------------------------------------------------------------- the proxy's URL
# Found while there (issue 10, defect 6's kind): the port was checked with str.isdigit(), so
# "http://host:²" ended in a ValueError traceback, and int() read Arabic-Indic digits as a port;
# 0 and ports past 65535 went to the connect (getaddrinfo wraps 99999 round to 34463).


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
