"""Issue 12: each entry point names a setting the way its user gave it, container credentials over
https trust AWS_CA_BUNDLE as SSM calls do, and settings parse only what they document."""

from __future__ import annotations

import pytest
from fake_ssm import ContainerCredentials, FaultySsm, aws_error, page

import ssm_env_wrapper
from ssm_env_wrapper.errors import ConfigError, SsmEnvError

THROTTLED = aws_error("ThrottlingException", "Rate exceeded")


# ------------------------------------------------------------ each entry point names its own setting


def test_the_api_names_its_timeout_argument(env, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with FaultySsm([THROTTLED]) as fake:
        with pytest.raises(SsmEnvError) as caught:
            ssm_env_wrapper.load_parameters(
                "/prod/app", endpoint_url=fake.url, timeout=0.2, max_attempts=100
            )
    message = str(caught.value)
    assert "SSM_ENV_" not in message, message
    assert "timeout=0.2" in message and "raise timeout=" in message, message


def test_the_api_names_its_max_attempts_argument_when_throttled(env, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with FaultySsm([THROTTLED]) as fake:
        with pytest.raises(SsmEnvError) as caught:
            ssm_env_wrapper.load_parameters("/prod/app", endpoint_url=fake.url, max_attempts=1)
    message = str(caught.value)
    assert "SSM_ENV_" not in message, message
    assert "raise max_attempts= or timeout=" in message, message
    assert message.endswith("(after 1 attempt; max_attempts=1)"), message


def test_the_command_line_names_its_timeout_option(env, monkeypatch, capsys):
    from ssm_env_wrapper.cli import run_cli

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with FaultySsm([THROTTLED]) as fake:
        status = run_cli(
            ["--timeout", "0.2", "--max-attempts", "100", "--endpoint-url", fake.url]
            + ["--path", "/prod/app", "--", "true"]
        )
    message = capsys.readouterr().err
    assert status == 1
    assert "SSM_ENV_" not in message, message
    assert "--timeout 0.2" in message and "raise --timeout" in message, message


def test_the_wrapper_names_its_variables(env):
    from conftest import timed_load

    with FaultySsm([THROTTLED]) as fake:
        outcome, _ = timed_load(
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_MAX_ATTEMPTS="100",
            SSM_ENV_TIMEOUT="0.2",
        )
    message = str(outcome)
    assert "SSM_ENV_TIMEOUT=0.2" in message and "raise SSM_ENV_TIMEOUT" in message, message


# ----------------------------------------------------- container credentials trust AWS_CA_BUNDLE


C_KEY, C_SECRET = "ASIACONTAINERKEY0012", "containerSecret/DoNotPrint+Zx8c12"
GOOD = {
    "AccessKeyId": C_KEY,
    "SecretAccessKey": C_SECRET,
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
        ContainerCredentials((200, GOOD)) as provider,
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
        assert C_KEY in fake.requests[0]["headers"]["Authorization"]


# ------------------------------------------------------------ settings parse only ASCII numbers


@pytest.mark.parametrize("port", ["\u00b2", "\u0663\u0661\u0662\u0668", "1_0", "+80", " 80"])
def test_an_endpoint_port_must_be_ascii_digits(port):
    from ssm_env_wrapper.endpoint import parse_endpoint_url

    with pytest.raises(ConfigError, match="AWS_ENDPOINT_URL_SSM=.*the port must be a number"):
        parse_endpoint_url(f"https://localhost:{port}", "AWS_ENDPOINT_URL_SSM")


@pytest.mark.parametrize("text", ["\u0663", "1_0", "\u00b2", "\uff15"])
@pytest.mark.parametrize("variable", ["SSM_ENV_TIMEOUT", "SSM_ENV_MAX_ATTEMPTS"])
def test_numbers_in_settings_are_ascii(variable, text):
    with pytest.raises(ConfigError, match=variable):
        ssm_env_wrapper.Settings.from_environ({variable: text})


def test_plain_numbers_still_parse():
    settings = ssm_env_wrapper.Settings.from_environ(
        {"SSM_ENV_TIMEOUT": " 2.5 ", "SSM_ENV_MAX_ATTEMPTS": "3"}
    )
    assert (settings.timeout, settings.max_attempts) == (2.5, 3)
    assert ssm_env_wrapper.Settings.from_environ({"SSM_ENV_TIMEOUT": "1e0"}).timeout == 1.0


# ----------------------------------------------------------- a proxy failure names the proxy setting


def test_a_refused_tunnel_names_https_proxy(env):
    from conftest import timed_load
    from fake_ssm import ConnectProxy

    with ConnectProxy({}) as unknown:  # knows no host: 502 for every CONNECT
        outcome, _ = timed_load(
            env,
            SSM_ENV_PATHS="/prod/app",
            AWS_ENDPOINT_URL_SSM="https://ssm.example.test:443",
            SSM_ENV_MAX_ATTEMPTS="1",
            HTTPS_PROXY=unknown.url,
        )
    message = str(outcome)
    assert "(the proxy refused the tunnel" in message, message
    assert "check HTTPS_PROXY" in message and "network path to SSM" not in message, message


# ------------------------------------------------------------------ retries and deadlines, instantly


class FakeClock:
    """Monotonic time that moves only when the client sleeps: backoff tests take no time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _client(url: str, ticks: FakeClock, limit: float, **kwargs):
    from conftest import client_config

    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.keys import Credentials
    from ssm_env_wrapper.ssm import SsmClient

    return SsmClient(
        client_config(
            url,
            Credentials("AKIDCORE", "core-secret-key-0012"),
            deadline=Deadline(limit, clock=ticks),
            sleep=ticks.sleep,
            uniform=lambda low, high: high,  # the ceiling: the longest wait jitter could draw
            **kwargs,
        )
    )


def test_backoff_doubles_to_its_cap_and_attempts_are_counted_once():
    from ssm_env_wrapper.errors import AwsApiError

    clock = FakeClock()
    with FaultySsm([THROTTLED]) as fake, _client(fake.url, clock, 60, max_attempts=8) as ssm:
        with pytest.raises(AwsApiError) as caught:
            list(ssm.get_parameters_by_path("/prod/app"))
        assert len(fake.requests) == 8
    assert clock.waits == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    error = caught.value
    assert (error.operation, error.code, error.targets, error.attempts) == (
        "GetParametersByPath",
        "ThrottlingException",
        ("/prod/app",),
        8,
    )
    assert str(error).endswith("(after 8 attempts; SSM_ENV_MAX_ATTEMPTS=8)")


def test_a_wait_that_would_pass_the_deadline_ends_the_call_at_once():
    from ssm_env_wrapper.errors import DeadlineError

    clock = FakeClock()
    with FaultySsm([THROTTLED]) as fake, _client(fake.url, clock, 1.0, max_attempts=50) as ssm:
        with pytest.raises(DeadlineError) as caught:
            list(ssm.get_parameters_by_path("/prod/app"))
        # 0.1 + 0.2 + 0.4 = 0.7 s waited; the next wait (0.8 s) would end past 1 s.
        assert len(fake.requests) == 4
    assert clock.waits == [0.1, 0.2, 0.4]
    error = caught.value
    assert error.targets == ("/prod/app",) and error.attempts == 4
    assert "ThrottlingException" in error.last


def test_x_amz_retry_after_lengthens_a_wait_by_at_most_five_seconds():
    clock = FakeClock()
    hinted = (400, THROTTLED[1], {"x-amz-retry-after": "60000"})
    with (
        FaultySsm([hinted, page([])]) as fake,
        _client(fake.url, clock, 60, max_attempts=3) as ssm,
    ):
        assert list(ssm.get_parameters_by_path("/prod/app")) == []
    assert clock.waits == [0.1 + 5.0]


def test_clock_skew_is_corrected_once_without_using_an_attempt():
    from fake_ssm import aws_error

    skewed = aws_error("InvalidSignatureException", "Signature expired: 20200101T000000Z")
    # A server clock far from this machine's (and from the pinned client clock): the signature
    # must carry the server's time, whatever hour the test runs at.
    skewed = (skewed[0], skewed[1], {"Date": "Fri, 01 Jan 2021 12:00:00 GMT"})
    clock = FakeClock()
    with (
        FaultySsm([skewed, page([("/prod/app/X", "x")])]) as fake,
        _client(fake.url, clock, 60, max_attempts=1, clock=lambda: 1_500_000_000.0) as ssm,
    ):
        assert [p["Name"] for p in ssm.get_parameters_by_path("/prod/app")] == ["/prod/app/X"]
        assert len(fake.requests) == 2
        assert fake.requests[1]["headers"]["X-Amz-Date"] == "20210101T120000Z"
    assert clock.waits == []


def test_the_retry_conditions_are_botocores():
    from ssm_env_wrapper import retry

    assert retry.is_retryable(400, "ThrottlingException")
    assert retry.is_retryable(500) and retry.is_retryable(429) and retry.is_retryable(503)
    assert retry.is_retryable(400, "RequestTimeout")
    assert not retry.is_retryable(400, "AccessDeniedException")
    assert not retry.is_retryable(400, "ValidationException")
    assert retry.is_clock_skew("RequestTimeTooSkewed", "")
    assert retry.is_clock_skew("InvalidSignatureException", "Signature expired: ...")
    assert not retry.is_clock_skew("InvalidSignatureException", "The signature does not match")
    assert retry.server_time({"date": "Thu, 01 Jan 3000 00:00:00 GMT"}) is None
    assert retry.retry_after({"x-amz-retry-after": "\u0661\u0660\u0660"}, 0.5) == 0.5


def test_a_secrets_manager_client_is_the_same_machinery():
    """How a second JSON service plugs in: three words, no copied code."""
    from conftest import client_config

    from ssm_env_wrapper.awsjson import JsonClient
    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.keys import Credentials

    answer = (200, {"Name": "prod/db", "SecretString": "sm-secret-value-0012"})
    with FaultySsm([answer]) as fake:
        client = JsonClient(
            client_config(
                fake.url,
                Credentials("AKIDCORE", "core-secret-key-0012"),
                deadline=Deadline(5),
                max_attempts=3,
                user_agent="test",
            ),
            service="secretsmanager",
            target_prefix="secretsmanager",
            title="Secrets Manager",
        )
        with client:
            got = client.call("GetSecretValue", {"SecretId": "prod/db"}, targets=("prod/db",))
        request = fake.requests[0]
    assert got["SecretString"] == "sm-secret-value-0012"
    assert request["target"] == "secretsmanager.GetSecretValue"
    assert "/us-east-1/secretsmanager/aws4_request" in request["headers"]["Authorization"]


def test_the_deadline_object_quotes_its_limit_and_never_hands_out_zero():
    from ssm_env_wrapper.deadline import Deadline, DeadlineExceeded

    clock = FakeClock()
    deadline = Deadline(2.5, clock=clock)
    assert (deadline.limit, deadline.remaining(), deadline.expired) == (2.5, 2.5, False)
    clock.sleep(2.5)
    assert deadline.expired and deadline.left() == 0.0
    with pytest.raises(DeadlineExceeded):
        deadline.remaining()


def test_the_api_is_not_told_of_variables_it_cannot_set(ssm, env):
    from conftest import put

    put(ssm, "/app/PATH", "not-a-path-0012")
    put(ssm, "/app/a/X", "x")
    put(ssm, "/app/b/X", "x")
    with pytest.raises(SsmEnvError) as protected:
        ssm_env_wrapper.load_parameters("/app", environ=env)
    with pytest.raises(SsmEnvError) as collided:
        ssm_env_wrapper.load_parameters(["/app/a", "/app/b"], environ=env)
    # The API takes allow= (as the wrapper takes SSM_ENV_ALLOW): the fix names the argument.
    assert str(protected.value).endswith(
        "; rename the parameters, or list a variable in allow= if it is really meant"
    ), str(protected.value)
    assert str(collided.value).endswith("or set name_mode=/prefix="), str(collided.value)
