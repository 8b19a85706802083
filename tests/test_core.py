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


@pytest.fixture(scope="module")
def tls_ca():
    import trustme

    return trustme.CA()


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


# ------------------------------------------------------------------- the layers keep to themselves

#: Below the loader: bytes, deadlines, TLS trust, proxies, retries, signing, the JSON client and
#: SSM's operations. None of them reads the process environment or spells a user-facing setting
#: (diagnostics.py words every message that does, from how the setting was given).
CORE = (
    "deadline.py",
    "http11.py",
    "transport.py",
    "trust.py",
    "proxy.py",
    "retry.py",
    "sigv4.py",
    "awsjson.py",
    "ssm.py",
)
SETTING = r"\b(SSM_ENV_[A-Z_]+|AWS_[A-Z_]{3,}|APP_(ENV|PARAMS_PATH)|HTTPS?_PROXY|NO_PROXY|SSL_CERT_(FILE|DIR))\b|(^|\s)--[a-z]"


@pytest.mark.parametrize("module", CORE)
def test_no_module_below_the_loader_reads_the_environment_or_names_a_setting(module):
    import ast
    import re

    from conftest import SRC

    tree = ast.parse((SRC / "ssm_env_wrapper" / module).read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in ("environ", "getenv"):
            found.append(f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.arg) and node.arg == "environ":
            found.append(f"line {node.lineno}: an environ parameter")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and re.search(SETTING, node.value)
        ):
            found.append(f"line {node.lineno}: {node.value!r}")
    assert not found, found
