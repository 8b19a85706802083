"""Credential providers in botocore's order: the environment, the shared credentials file, the container provider (a loopback server standing in for the agent: host checks, token file, answers), and never the instance metadata service."""

from __future__ import annotations

import socket
import time

import pytest
from conftest import (
    ACCESS_KEY,
    D_KEY,
    F_KEY,
    F_SECRET,
    F_TOKEN,
    SDK_P_KEY,
    SECRET_KEY,
    SESSION_TOKEN,
    free_port,
    timed_load,
    wait_for,
)
from credential_cases import (
    AUTH,
    C_KEY,
    C_SECRET,
    C_TOKEN,
    CF_KEY,
    CF_SECRET,
    CONTAINER_ANSWER,
    E_KEY,
    E_SECRET,
    GOOD,
    HOST_AUTH,
    HOST_SECRETS,
    HOST_VALUE,
    MARGIN,
    SDK_C_KEY,
    SDK_C_SECRET,
    SDK_F_KEY,
    SDK_F_SECRET,
    VALUE,
    credentials_error,
    error_of,
    load,
    signed,
    write,
)
from fake_ssm import ContainerCredentials, FaultySsm, SilentServer, page

from ssm_env_wrapper.credentials import resolve_credentials
from ssm_env_wrapper.errors import CredentialsError, SsmEnvError


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


def load_host(env, **extra):
    outcome, _ = timed_load(env, SSM_ENV_PATHS="/prod/app", **extra)
    return outcome


def error(outcome) -> str:
    assert isinstance(outcome, SsmEnvError), f"expected an error, got {outcome!r}"
    message = str(outcome)
    assert "\n" not in message and "\r" not in message
    assert not [s for s in HOST_SECRETS if s in message], "a secret reached the message"
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
        load_host(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
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
        load_host(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI="http://mixed.example:9/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
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
        load_host(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://{host}/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
        )
    )
    assert "is not a container credentials host" in message
    assert resolver.connects == [] and resolver.lookups == []


def test_a_name_that_resolves_only_to_loopback_is_used_at_the_checked_address(
    bare_env, monkeypatch
):
    with (
        ContainerCredentials((200, GOOD)) as provider,
        FaultySsm([page([("/prod/app/X", HOST_VALUE)])]) as fake,
    ):
        port = provider.url.split(":")[2].split("/")[0]
        # The first lookup says loopback; any later one would say elsewhere (DNS rebinding).
        resolver = Resolver(monkeypatch, {"creds.example": [["127.0.0.1"], ["203.0.113.7"]]})
        outcome = load_host(
            bare_env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://creds.example:{port}/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
        )
        assert not isinstance(outcome, Exception), str(outcome)
        assert outcome.variables == {"X": HOST_VALUE}
        assert provider.requests[0]["headers"]["host"] == f"creds.example:{port}"
        assert provider.requests[0]["headers"]["authorization"] == HOST_AUTH
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
        load_host(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://{host}:8080/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
        )
    )
    assert "cannot reach the container credentials provider" in message
    assert [a[0] for a in resolver.connects] == [address]


def test_the_token_file_is_not_read_before_the_host_is_accepted(bare_env, monkeypatch, tmp_path):
    Resolver(monkeypatch, {"127.evil.example": [["203.0.113.7"]]})
    message = error(
        load_host(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.evil.example/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tmp_path / "missing"),
        )
    )
    assert "is not a container credentials host" in message and "TOKEN_FILE" not in message


def test_https_may_go_to_any_host(bare_env, monkeypatch):
    resolver = Resolver(monkeypatch, {"creds.example": [["203.0.113.7"]]})
    message = error(
        load_host(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI="https://creds.example/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
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
            load_host(
                bare_env,
                **{variable: value.format(port=port)},
                AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
            )
        )
        assert provider.requests == []
    assert variable in message
    assert resolver.connects == []


def test_a_relative_uri_cannot_name_another_host(bare_env, monkeypatch):
    resolver = Resolver(monkeypatch, {"evil.example": [["127.0.0.1"]]})
    error(
        load_host(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="@evil.example/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
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
            load_host(
                bare_env,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
                AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
            )
        )
        assert elsewhere.requests == [] and len(provider.requests) == 1
    assert "answered HTTP 302 without credentials" in message


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
        FaultySsm([page([("/prod/app/X", HOST_VALUE)])]) as fake,
    ):
        outcome = load_host(
            bare_env, AWS_ENDPOINT_URL_SSM=fake.url, AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url
        )
        assert not isinstance(outcome, Exception), str(outcome)
        assert outcome.variables == {"X": HOST_VALUE}


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
            load_host(
                bare_env,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=f"https://localhost:{tls.port}/creds",
                AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
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
        FaultySsm([page([("/prod/app/X", HOST_VALUE)])]) as fake,
    ):
        outcome = load_host(
            bare_env,
            SSL_CERT_FILE=str(bundle),  # the load's trust store, as OpenSSL reads it
            AWS_ENDPOINT_URL_SSM=fake.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"https://localhost:{tls.port}/creds",
        )
        assert not isinstance(outcome, Exception), str(outcome)
        assert outcome.variables == {"X": HOST_VALUE}
        assert provider.requests[0]["headers"]["authorization"] == HOST_AUTH


@pytest.mark.parametrize(
    "token", [HOST_AUTH + "\x00", HOST_AUTH + "\x1b[2J", "\x7f" + HOST_AUTH, HOST_AUTH + "\r\nX: y"]
)
def test_an_authorization_token_with_a_control_character_is_refused(bare_env, token):
    with ContainerCredentials((200, GOOD)) as provider:
        message = error(
            load_host(
                bare_env,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
                AWS_CONTAINER_AUTHORIZATION_TOKEN=token,
            )
        )
        assert provider.requests == []
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN" in message


# ----------------------------------------------------- container credentials trust AWS_CA_BUNDLE
HTTPS_C_KEY, HTTPS_C_SECRET = "ASIACONTAINERKEY0012", "containerSecret/DoNotPrint+Zx8c12"

HTTPS_GOOD = {
    "AccessKeyId": HTTPS_C_KEY,
    "SecretAccessKey": HTTPS_C_SECRET,
    "Token": "containerToken//DoNotPrint+" + "q" * 40,
    "Expiration": "2099-01-01T00:00:00Z",
}


def test_container_credentials_over_https_trust_aws_ca_bundle(env, tls_ca, tmp_path):
    import ssl

    from conftest import timed_load
    from fake_ssm import TlsRelay

    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("localhost").configure_cert(context)
    with (
        ContainerCredentials((200, HTTPS_GOOD)) as provider,
        TlsRelay(context, ("127.0.0.1", int(provider.url.split(":")[2].split("/")[0]))) as tls,
        FaultySsm([page([("/prod/app/X", "x")])]) as fake,
    ):
        outcome, _ = timed_load(
            env,
            SSM_ENV_PATHS="/prod/app",
            AWS_ENDPOINT_URL_SSM=fake.url,
            AWS_CA_BUNDLE=str(bundle),
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"https://localhost:{tls.port}/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN="auth-token-0012",
        )
        assert not isinstance(outcome, Exception), str(outcome)
        assert outcome.variables == {"X": "x"}
        assert HTTPS_C_KEY in fake.requests[0]["headers"]["Authorization"]


def signed_by(env, **extra) -> tuple[str, str | None]:
    """Load one page from a fake endpoint; return (access key, session token) that signed it."""
    with FaultySsm([page([("/prod/app/X", VALUE)])]) as fake:
        result, _ = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", **extra)
        assert not isinstance(result, Exception), str(result)
        assert result.variables == {"X": VALUE}
        headers = fake.requests[0]["headers"]
    credential = headers["Authorization"].split("Credential=", 1)[1].split("/", 1)[0]
    return credential, headers.get("X-Amz-Security-Token")


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every outgoing connection and name lookup made in this process."""
    attempts: list[tuple[str, object]] = []

    def refuse(kind):
        def call(*args, **kwargs):
            attempts.append((kind, args))
            raise ConnectionRefusedError(111, "Connection refused (test: no network)")

        return call

    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


def test_container_credentials_sign_the_requests(bare_env):
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        used = signed_by(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
        assert len(provider.requests) == 1
    assert used == (C_KEY, C_TOKEN)


def test_the_token_file_wins_over_the_token_variable(bare_env, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(f"  {AUTH}\n")
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        used = signed_by(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN="the-variable-loses",
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file),
        )
        assert provider.requests[0]["headers"]["authorization"] == AUTH
    assert used == (C_KEY, C_TOKEN)


def test_no_token_sends_no_authorization(bare_env):
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        assert signed_by(bare_env, AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url) == (
            C_KEY,
            C_TOKEN,
        )
        assert "authorization" not in provider.requests[0]["headers"]


def test_a_token_file_that_cannot_be_read_names_the_variable(bare_env, tmp_path):
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        outcome, _ = load(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tmp_path / "missing"),
        )
        assert provider.requests == []
    message = credentials_error(outcome)
    assert (
        f"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={str(tmp_path / 'missing')!r} cannot be read"
        in message
    )


@pytest.mark.parametrize(
    "answer, expect",
    [
        ((401, {"message": f"invalid token {AUTH}"}), "answered HTTP 401 without credentials"),
        ((403, "Forbidden"), "answered HTTP 403 without credentials"),
        ((500, "<html>oops</html>"), "answered HTTP 500 without credentials"),
        ((200, "\x00garbage\xff not json"), "answered HTTP 200 without credentials"),
        ((200, ["AccessKeyId", "SecretAccessKey"]), "answered HTTP 200 without credentials"),
        ((200, {"AccessKeyId": C_KEY, "Token": C_TOKEN}), "has no AccessKeyId and SecretAccessKey"),
        (
            (200, {"AccessKeyId": "", "SecretAccessKey": C_SECRET}),
            "has no AccessKeyId and SecretAccessKey",
        ),
        (
            (200, {"AccessKeyId": 5, "SecretAccessKey": C_SECRET}),
            "has no AccessKeyId and SecretAccessKey",
        ),
    ],
    ids=["401", "403", "500-html", "garbage", "json-list", "no-secret", "empty-key", "number-key"],
)
def test_a_provider_answer_without_credentials_is_a_credentials_error(bare_env, answer, expect):
    with ContainerCredentials(answer) as provider, FaultySsm([page([])]) as fake:
        outcome, elapsed = load(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            AWS_ENDPOINT_URL_SSM=fake.url,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
        assert len(provider.requests) == 1  # not retried
        assert fake.requests == []  # nothing is signed with nothing
    message = credentials_error(outcome)
    assert message.startswith("no AWS credentials: ")
    assert f"the container credentials provider at {provider.url.rsplit('/', 1)[0]}" in message
    assert expect in message
    assert elapsed < 5 + MARGIN


def test_a_provider_that_cannot_be_reached_is_a_credentials_error(bare_env):
    port = free_port()
    outcome, elapsed = load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://127.0.0.1:{port}/creds",
    )
    message = credentials_error(outcome)
    assert message.startswith(
        f"no AWS credentials: cannot reach the container credentials provider "
        f"at http://127.0.0.1:{port} ("
    )
    assert elapsed < 1.0


def test_a_provider_that_never_answers_is_bounded_by_the_deadline(bare_env):
    with SilentServer() as silent:
        outcome, elapsed = load(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_TIMEOUT="0.3",
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{silent.url}/creds",
        )
        assert wait_for(lambda: silent.accepted >= 1)  # counted by the listener's own thread
        assert silent.accepted == 1
    message = credentials_error(outcome)
    assert "cannot reach the container credentials provider" in message
    assert elapsed < 0.3 + MARGIN


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/creds",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/role",
        "http://10.0.0.7:8080/creds",
        "http://ssm.test.invalid/creds",
    ],
)
def test_full_uri_over_plain_http_must_be_loopback_or_an_agent(bare_env, no_network, url):
    outcome, elapsed = load(
        bare_env, SSM_ENV_PATHS="/prod/app", AWS_CONTAINER_CREDENTIALS_FULL_URI=url
    )
    message = credentials_error(outcome)
    host = url.split("/")[2].split(":")[0]
    assert message.startswith(
        f"AWS_CONTAINER_CREDENTIALS_FULL_URI: {host} is not a container credentials host"
    )
    # Refused before any connection; a name is looked up (plain http may go to a name that
    # resolves only to loopback: the container host's tests above), an address never.
    assert [kind for kind, _ in no_network] == (["getaddrinfo"] if host[0].isalpha() else [])
    assert elapsed < 1.0


def test_relative_uri_asks_the_ecs_agent_address(bare_env, no_network):
    outcome, _ = load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/credentials/abc",
    )
    message = credentials_error(outcome)
    assert "cannot reach the container credentials provider at http://169.254.170.2 " in message
    assert len(no_network) == 1 and no_network[0][0] in ("create_connection", "getaddrinfo")
    args = no_network[0][1]
    host, port = args[0] if no_network[0][0] == "create_connection" else args[:2]
    assert (host.decode() if isinstance(host, bytes) else host, port) == ("169.254.170.2", 80)


# ------------------------------------------------------------------- the shared credentials file
@pytest.mark.parametrize(
    "profile, expect",
    [
        (None, (F_KEY, F_TOKEN)),
        ("dev", (D_KEY, None)),
    ],
)
def test_the_shared_credentials_file_and_its_profiles(bare_env, credentials_file, profile, expect):
    extra = {"AWS_SHARED_CREDENTIALS_FILE": credentials_file}
    if profile:
        extra["AWS_PROFILE"] = profile
    assert signed_by(bare_env, **extra) == expect


@pytest.mark.parametrize("profile", ["missing", "only-key"])
def test_a_profile_without_keys_is_an_error_naming_it(bare_env, credentials_file, profile):
    outcome, _ = load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_SHARED_CREDENTIALS_FILE=credentials_file,
        AWS_PROFILE=profile,
    )
    message = credentials_error(outcome)
    if profile == "missing":  # botocore: ProfileNotFound
        assert message == (
            f"no AWS credentials: profile 'missing' (AWS_PROFILE) is in neither "
            f"{credentials_file} nor /nonexistent/ssm-env-wrapper-tests/config; "
            "check the name"
        )
    else:  # botocore: PartialCredentialsError, not a silent fall-through
        assert message == (
            f"profile 'only-key' in {credentials_file} has aws_access_key_id but no "
            "aws_secret_access_key; add it or remove both"
        )


def test_a_file_that_cannot_be_parsed_says_so(bare_env, tmp_path):
    path = tmp_path / "credentials"
    path.write_text(f"aws_secret_access_key = {F_SECRET}\n[default\n")
    outcome, _ = load(bare_env, SSM_ENV_PATHS="/prod/app", AWS_SHARED_CREDENTIALS_FILE=str(path))
    message = credentials_error(outcome)
    assert message.startswith(f"the shared credentials file {path} cannot be parsed (")


# ------------------------------------------------------------------------------------- the order
def test_environment_keys_win_over_the_container_and_the_file(env, credentials_file):
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        used = signed_by(
            env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_SHARED_CREDENTIALS_FILE=credentials_file,
            AWS_PROFILE="dev",
        )
        assert provider.requests == []  # not even asked
    assert used == (ACCESS_KEY, SESSION_TOKEN)


def test_the_file_wins_over_the_container(bare_env, credentials_file):
    # botocore's order: the profile's files before the container provider.
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        used = signed_by(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_SHARED_CREDENTIALS_FILE=credentials_file,
        )
        assert provider.requests == []
    assert used == (F_KEY, F_TOKEN)


def test_half_the_environment_keys_is_an_error_not_a_fallback(bare_env, credentials_file):
    # Only the secret: the file must not be used silently in its place.
    outcome, _ = load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_SHARED_CREDENTIALS_FILE=credentials_file,
    )
    assert "AWS_ACCESS_KEY_ID is not set" in credentials_error(outcome)


def test_the_metadata_service_is_never_contacted_in_process(bare_env, no_network):
    began = time.monotonic()
    with pytest.raises(CredentialsError, match="^no AWS credentials: looked in the environment"):
        resolve_credentials(dict(bare_env, AWS_EC2_METADATA_DISABLED="false"))
    outcome, _ = load(bare_env, SSM_ENV_PATHS="/prod/app")
    credentials_error(outcome)
    assert time.monotonic() - began < 1.0
    assert no_network == []


def test_an_explicit_profile_in_no_file_is_an_error_before_the_container(bare_env, tmp_path):
    with ContainerCredentials(
        (200, {"AccessKeyId": SDK_C_KEY, "SecretAccessKey": SDK_C_SECRET})
    ) as provider:
        message = error_of(
            bare_env, AWS_PROFILE="nope", AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url
        )
        assert provider.requests == []
    assert message == (
        "no AWS credentials: profile 'nope' (AWS_PROFILE) is in neither "
        "/nonexistent/ssm-env-wrapper-tests/credentials nor "
        "/nonexistent/ssm-env-wrapper-tests/config; check the name"
    )


# --------------------------------------------------------------------------- the order, pairwise
def _providers(tmp_path, process_script, which: set[str], env: dict) -> dict:
    """An environment offering the providers named in ``which`` for profile ``default``."""
    extra: dict[str, str] = {}
    if "env" in which:
        extra.update(AWS_ACCESS_KEY_ID=E_KEY, AWS_SECRET_ACCESS_KEY=E_SECRET)
    if "credfile" in which:
        extra["AWS_SHARED_CREDENTIALS_FILE"] = write(
            tmp_path,
            "credentials",
            f"[default]\naws_access_key_id = {SDK_F_KEY}\naws_secret_access_key = {SDK_F_SECRET}\n",
        )
    config = []
    if "process" in which:
        config.append(f"credential_process = {process_script}")
    if "configkeys" in which:
        config += [f"aws_access_key_id = {CF_KEY}", f"aws_secret_access_key = {CF_SECRET}"]
    if config:
        extra["AWS_CONFIG_FILE"] = write(
            tmp_path, "config", "[default]\n" + "\n".join(config) + "\n"
        )
    return extra


ORDER = ["env", "credfile", "process", "configkeys", "container"]

KEYS = {
    "env": E_KEY,
    "credfile": SDK_F_KEY,
    "process": SDK_P_KEY,
    "configkeys": CF_KEY,
    "container": SDK_C_KEY,
}


@pytest.mark.parametrize(
    "first, second", [(a, b) for i, a in enumerate(ORDER) for b in ORDER[i + 1 :]], ids=lambda p: p
)
def test_the_provider_order_is_botocores_pairwise(
    bare_env, tmp_path, process_script, first, second
):
    extra = _providers(tmp_path, process_script, {first, second}, bare_env)
    with ContainerCredentials(
        (200, {"AccessKeyId": SDK_C_KEY, "SecretAccessKey": SDK_C_SECRET})
    ) as provider:
        if "container" in (first, second):
            extra["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = provider.url
        assert signed(bare_env, **extra)[0] == KEYS[first]
        assert provider.requests == []  # the later provider is not even asked
    # And the second alone works, so the pair really had two candidates.
    alone = _providers(tmp_path, process_script, {second}, bare_env)
    with ContainerCredentials(
        (200, {"AccessKeyId": SDK_C_KEY, "SecretAccessKey": SDK_C_SECRET})
    ) as provider:
        if second == "container":
            alone["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = provider.url
        assert signed(bare_env, **alone)[0] == KEYS[second]
