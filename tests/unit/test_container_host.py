"""Issue 10, defect 5 and the container provider's answers.

Plain http to the container credentials provider carries the authorization token in the clear, so
it is allowed only where botocore allows it (botocore/utils.py, ContainerMetadataFetcher
``_validate_allowed_url``): a loopback address parsed as an address, the ECS and EKS agents'
addresses (169.254.170.2, 169.254.170.23, fd00:ec2::23), and, as the newer SDKs do, a name that
resolves only to loopback. The decision comes before the token file is read and before any
request; the connection then goes to the address that was checked (a second lookup could answer
differently). https goes anywhere, verified. Redirects are never followed.

Name lookups are replaced in-process (``resolver``) so that a name can resolve to anything; the
answers' shapes run through the real wrapper.
"""

from __future__ import annotations

import socket
import subprocess

import pytest
from conftest import assert_no_secrets, run_show_env, timed_load
from fake_ssm import ContainerCredentials, FaultySsm, page

from ssm_env_wrapper.errors import SsmEnvError

C_KEY, C_SECRET = "ASIACONTAINERKEY0002", "containerSecret/DoNotPrint+Zx8c7v"
C_TOKEN = "containerToken//DoNotPrint+IQoJb3JpZ2lu" + "q" * 40
AUTH = "containerAuthToken-DoNotPrint-9a8b7c6d"
VALUE = "containerHostValue-DoNotPrint-5r4e"
SECRETS = (C_SECRET, C_TOKEN, AUTH, VALUE)
GOOD = {
    "AccessKeyId": C_KEY,
    "SecretAccessKey": C_SECRET,
    "Token": C_TOKEN,
    "Expiration": "2099-01-01T00:00:00Z",
}


class Resolver:
    """Stands in for DNS: ``names`` maps a host name to the addresses each lookup returns (a list
    of lists: the first lookup gets the first list, later ones the last). IP literals resolve to
    themselves. Records every lookup and every connection attempt; connections go through only
    to 127.0.0.1 (the test's provider), all others are refused."""

    def __init__(self, monkeypatch, names: dict[str, list[list[str]]]) -> None:
        self.names = names
        self.lookups: list[str] = []
        self.connects: list[object] = []
        real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
        resolver = self

        def getaddrinfo(host, port, family=0, kind=0, *args, **kwargs):
            text = host.decode() if isinstance(host, bytes) else host
            resolver.lookups.append(text)
            if text in resolver.names:
                answers = resolver.names[text]
                addresses = answers[min(resolver.lookups.count(text), len(answers)) - 1]
                return [
                    (
                        socket.AF_INET6 if ":" in a else socket.AF_INET,
                        socket.SOCK_STREAM,
                        6,
                        "",
                        (a, port) if ":" not in a else (a, port, 0, 0),
                    )
                    for a in addresses
                ]
            for fam in (socket.AF_INET, socket.AF_INET6):
                try:
                    socket.inet_pton(fam, text)
                except OSError:
                    continue
                return real_getaddrinfo(host, port, family, kind, *args, **kwargs)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (test resolver)")

        def connect(sock, address):
            resolver.connects.append(address)
            if address[0] != "127.0.0.1":
                raise ConnectionRefusedError(111, "Connection refused (test: no network)")
            return real_connect(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)


def load(env, **extra):
    outcome, _ = timed_load(env, SSM_ENV_PATHS="/prod/app", **extra)
    return outcome


def error(outcome) -> str:
    assert isinstance(outcome, SsmEnvError), f"expected an error, got {outcome!r}"
    message = str(outcome)
    assert "\n" not in message and "\r" not in message
    assert not [s for s in SECRETS if s in message], "a secret reached the message"
    return message


# ---------------------------------------------------------------------- which hosts plain http may use


@pytest.mark.parametrize(
    "url",
    [
        "http://127.evil.example/creds",  # starts with 127. and is a name
        "http://127.0.0.1.evil.example/creds",
        "http://localhost.evil.example/creds",
    ],
)
def test_a_name_that_does_not_resolve_to_loopback_is_refused_before_the_token_travels(
    bare_env, monkeypatch, url
):
    host = url.split("/")[2]
    resolver = Resolver(monkeypatch, {host: [["203.0.113.7"]]})
    message = error(
        load(
            bare_env, AWS_CONTAINER_CREDENTIALS_FULL_URI=url, AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH
        )
    )
    assert message.startswith(
        f"AWS_CONTAINER_CREDENTIALS_FULL_URI: {host} is not a container credentials host"
    )
    assert "203.0.113.7" in message
    assert resolver.connects == []  # nothing sent anywhere


def test_a_name_resolving_to_loopback_and_elsewhere_is_refused(bare_env, monkeypatch):
    resolver = Resolver(monkeypatch, {"mixed.example": [["127.0.0.1", "203.0.113.7"]]})
    message = error(
        load(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI="http://mixed.example:9/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
    )
    assert "mixed.example is not a container credentials host" in message
    assert resolver.connects == []


@pytest.mark.parametrize(
    "host",
    [
        "10.0.0.7",
        "169.254.169.254",
        "0.0.0.0",
        "[::]",
        "169.254.170.3",
        "[::ffff:10.0.0.1]",
        "[fd00:ec2::24]",
    ],
)
def test_addresses_that_are_not_loopback_or_an_agent_are_refused_without_any_lookup(
    bare_env, monkeypatch, host
):
    resolver = Resolver(monkeypatch, {})
    message = error(
        load(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://{host}/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
    )
    assert "is not a container credentials host" in message
    assert resolver.connects == [] and resolver.lookups == []


def test_a_name_that_resolves_only_to_loopback_is_used_at_the_checked_address(
    bare_env, monkeypatch
):
    with (
        ContainerCredentials((200, GOOD)) as provider,
        FaultySsm([page([("/prod/app/X", VALUE)])]) as fake,
    ):
        port = provider.url.split(":")[2].split("/")[0]
        # The first lookup says loopback; any later one would say elsewhere (DNS rebinding).
        resolver = Resolver(monkeypatch, {"creds.example": [["127.0.0.1"], ["203.0.113.7"]]})
        outcome = load(
            bare_env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://creds.example:{port}/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
        assert not isinstance(outcome, Exception), str(outcome)
        assert outcome.variables == {"X": VALUE}
        assert provider.requests[0]["headers"]["host"] == f"creds.example:{port}"
        assert provider.requests[0]["headers"]["authorization"] == AUTH
    assert resolver.lookups.count("creds.example") == 1
    assert ("203.0.113.7", int(port)) not in resolver.connects


@pytest.mark.parametrize(
    "host, address",
    [
        ("169.254.170.2", "169.254.170.2"),
        ("169.254.170.23", "169.254.170.23"),
        ("[fd00:ec2::23]", "fd00:ec2::23"),
        ("[fd00:ec2:0::23]", "fd00:ec2::23"),
        ("127.0.0.2", "127.0.0.2"),
        ("[::1]", "::1"),
    ],
)
def test_the_agents_and_loopback_addresses_are_asked(bare_env, monkeypatch, host, address):
    resolver = Resolver(monkeypatch, {})
    message = error(
        load(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://{host}:8080/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
    )
    assert "cannot reach the container credentials provider" in message
    assert [a[0] for a in resolver.connects] == [address]


def test_the_token_file_is_not_read_before_the_host_is_accepted(bare_env, monkeypatch, tmp_path):
    Resolver(monkeypatch, {"127.evil.example": [["203.0.113.7"]]})
    message = error(
        load(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.evil.example/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tmp_path / "missing"),
        )
    )
    assert "is not a container credentials host" in message and "TOKEN_FILE" not in message


def test_https_may_go_to_any_host(bare_env, monkeypatch):
    resolver = Resolver(monkeypatch, {"creds.example": [["203.0.113.7"]]})
    message = error(
        load(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI="https://creds.example/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
    )
    assert "cannot reach the container credentials provider at https://creds.example" in message
    assert [a[0] for a in resolver.connects] == ["203.0.113.7"]


@pytest.mark.parametrize(
    "variable, value",
    [
        (
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/creds HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /x",
        ),
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds\nX-Injected: 1"),
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/cr eds"),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:{port}/creds HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /creds",
        ),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:{port}/creds\x00"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:{port}/cr\u00e9ds"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:{port}/creds#fragment"),
    ],
)
def test_a_uri_that_would_inject_into_the_request_is_refused(
    bare_env, monkeypatch, variable, value
):
    with ContainerCredentials((200, GOOD)) as provider:
        port = provider.url.split(":")[2].split("/")[0]
        resolver = Resolver(monkeypatch, {})
        message = error(
            load(
                bare_env,
                **{variable: value.format(port=port)},
                AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
            )
        )
        assert provider.requests == []
    assert variable in message
    assert resolver.connects == []


def test_a_relative_uri_cannot_name_another_host(bare_env, monkeypatch):
    resolver = Resolver(monkeypatch, {"evil.example": [["127.0.0.1"]]})
    error(
        load(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="@evil.example/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
    )
    assert [a[0] for a in resolver.connects] == [
        "169.254.170.2"
    ] and "evil.example" not in resolver.lookups


def test_a_redirect_is_never_followed(bare_env):
    with (
        ContainerCredentials((200, GOOD)) as elsewhere,
        ContainerCredentials((302, "", {"Location": elsewhere.url})) as provider,
    ):
        message = error(
            load(
                bare_env,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
                AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
            )
        )
        assert elsewhere.requests == [] and len(provider.requests) == 1
    assert "answered HTTP 302 without credentials" in message


# ------------------------------------------------------------------------ the provider's answer

DEEP = 100_000

ANSWERS = {
    "deeply-nested": (200, '{"AccessKeyId": ' + "[" * DEEP + "]" * DEEP + "}"),
    "huge-number": (200, '{"AccessKeyId": ' + "9" * 5000 + "}"),
    "token-number": (200, dict(GOOD, Token=12345)),
    "token-object": (200, dict(GOOD, Token={"t": C_TOKEN})),
    "key-list": (200, dict(GOOD, AccessKeyId=[C_KEY])),
    "secret-null": (200, dict(GOOD, SecretAccessKey=None)),
    "expiration-garbage": (200, dict(GOOD, Expiration="tomorrow-ish")),
    "expiration-number": (200, dict(GOOD, Expiration=4102444800)),
    "expiration-bad-date": (200, dict(GOOD, Expiration="2099-02-30T00:00:00Z")),
    "expiration-past": (200, dict(GOOD, Expiration="2001-01-01T00:00:00Z")),
    "token-line-break": (200, dict(GOOD, Token=C_TOKEN + "\r\nX-Injected: 1")),
    "key-line-break": (200, dict(GOOD, AccessKeyId=C_KEY + "\nX")),
    "secret-non-ascii": (200, dict(GOOD, SecretAccessKey=C_SECRET + "\u00e9")),
}


@pytest.mark.parametrize("case", list(ANSWERS))
def test_a_malformed_provider_answer_is_one_line_and_the_runtime_never_starts(
    bare_env, built, case
):
    with (
        ContainerCredentials(ANSWERS[case]) as provider,
        FaultySsm([page([("/prod/app/X", VALUE)])]) as fake,
    ):
        proc, report = run_show_env(
            [str(built["layer"])],
            dict(
                bare_env,
                SSM_ENV_PATHS="/prod/app",
                AWS_ENDPOINT_URL_SSM=fake.url,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
                AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
            ),
        )
        assert fake.requests == []  # nothing is signed with what the provider sent
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *SECRETS)
    assert proc.returncode == 1 and report == {}, proc.stderr[:2000]
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ssm-env-wrapper: no AWS credentials: "), lines
    assert "container credentials provider" in lines[0]


@pytest.mark.parametrize(
    "expiration",
    ["2099-01-01T00:00:00Z", "2099-01-01T00:00:00.123Z", "2099-01-01T02:00:00+02:00", None],
)
def test_well_formed_expirations_are_accepted(bare_env, expiration):
    answer = (
        dict(GOOD, Expiration=expiration)
        if expiration
        else {k: v for k, v in GOOD.items() if k != "Expiration"}
    )
    with (
        ContainerCredentials((200, answer)) as provider,
        FaultySsm([page([("/prod/app/X", VALUE)])]) as fake,
    ):
        outcome = load(
            bare_env, AWS_ENDPOINT_URL_SSM=fake.url, AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url
        )
        assert not isinstance(outcome, Exception), str(outcome)
        assert outcome.variables == {"X": VALUE}


# ------------------------------------------------- credentials that would break a header line


@pytest.mark.parametrize(
    "variable, value",
    [
        ("AWS_SESSION_TOKEN", C_TOKEN + "\r\nX-Injected: yes"),
        ("AWS_SESSION_TOKEN", C_TOKEN + "\nX-Injected: yes"),
        ("AWS_ACCESS_KEY_ID", "AKIA\r\nX-Injected: yes"),
        ("AWS_SECRET_ACCESS_KEY", C_SECRET + "\u00e9"),
    ],
)
def test_environment_credentials_that_would_break_a_header_line_are_refused(
    bare_env, built, variable, value
):
    creds = {
        "AWS_ACCESS_KEY_ID": C_KEY,
        "AWS_SECRET_ACCESS_KEY": C_SECRET,
        "AWS_SESSION_TOKEN": C_TOKEN,
    }
    creds[variable] = value
    with FaultySsm([page([("/prod/app/X", VALUE)])]) as fake:
        proc, report = run_show_env(
            [str(built["layer"])],
            dict(bare_env, SSM_ENV_PATHS="/prod/app", AWS_ENDPOINT_URL_SSM=fake.url, **creds),
        )
        assert fake.requests == []  # nothing sent: no header can be injected
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *SECRETS, value)
    assert proc.returncode == 1 and report == {}
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and variable in lines[0], lines


def test_a_multi_line_value_in_the_credentials_file_is_refused(bare_env, built, tmp_path):
    """configparser continues a value on an indented line: a token spanning two lines would put a
    header line of its own into every request."""
    path = tmp_path / "credentials"
    path.write_text(
        f"[default]\naws_access_key_id = {C_KEY}\naws_secret_access_key = {C_SECRET}\n"
        f"aws_session_token = {C_TOKEN}\n  X-Injected: yes\n"
    )
    with FaultySsm([page([("/prod/app/X", VALUE)])]) as fake:
        proc, report = run_show_env(
            [str(built["layer"])],
            dict(
                bare_env,
                SSM_ENV_PATHS="/prod/app",
                AWS_ENDPOINT_URL_SSM=fake.url,
                AWS_SHARED_CREDENTIALS_FILE=str(path),
            ),
        )
        assert fake.requests == []
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *SECRETS)
    assert proc.returncode == 1 and report == {}
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "control or non-ASCII character" in lines[0], lines


# ------------------------------------------------------------------------ https to the provider


def _tls_in_front_of(ca, provider):
    import ssl

    from fake_ssm import TlsRelay

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    port = int(provider.url.split(":")[2].split("/")[0])
    return TlsRelay(context, ("127.0.0.1", port))


def test_https_to_an_untrusted_certificate_sends_no_token(bare_env, tls_ca):
    with ContainerCredentials((200, GOOD)) as provider, _tls_in_front_of(tls_ca, provider) as tls:
        message = error(
            load(
                bare_env,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=f"https://localhost:{tls.port}/creds",
                AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
            )
        )
        assert provider.requests == [] and tls.handshakes == 0
    assert message.startswith(
        f"no AWS credentials: cannot reach the container credentials provider at "
        f"https://localhost:{tls.port} ("
    )


def test_https_with_a_trusted_certificate_loads(bare_env, tls_ca, tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    with (
        ContainerCredentials((200, GOOD)) as provider,
        _tls_in_front_of(tls_ca, provider) as tls,
        FaultySsm([page([("/prod/app/X", VALUE)])]) as fake,
    ):
        outcome = load(
            bare_env,
            SSL_CERT_FILE=str(bundle),  # the load's trust store, as OpenSSL reads it
            AWS_ENDPOINT_URL_SSM=fake.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"https://localhost:{tls.port}/creds",
        )
        assert not isinstance(outcome, Exception), str(outcome)
        assert outcome.variables == {"X": VALUE}
        assert provider.requests[0]["headers"]["authorization"] == AUTH


@pytest.mark.parametrize(
    "token", [AUTH + "\x00", AUTH + "\x1b[2J", "\x7f" + AUTH, AUTH + "\r\nX: y"]
)
def test_an_authorization_token_with_a_control_character_is_refused(bare_env, token):
    with ContainerCredentials((200, GOOD)) as provider:
        message = error(
            load(
                bare_env,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
                AWS_CONTAINER_AUTHORIZATION_TOKEN=token,
            )
        )
        assert provider.requests == []
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN" in message
