"""TLS trust: a hashed certificate directory or a CA bundle, verifying every peer, untrusted certificates not retried."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from urllib.parse import urlsplit

import pytest
import trustme
from conftest import put, server_context, wait_for
from fake_ssm import FakeSsm, TlsRelay, page
from tls_cases import MARGIN, VALUE, endpoint_error, load

import ssm_env_wrapper
from ssm_env_wrapper import EndpointError, load_parameters
from ssm_env_wrapper.errors import ConfigError
from ssm_env_wrapper.resolve import trust_from_environ
from ssm_env_wrapper.trust import _TLS_CONTEXTS, system_trust


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


def test_a_certificate_for_another_name_fails_verification(
    tls_ca, ssm, env, relay, ca_file, moto_url
):
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
    with TlsRelay(
        server_context(tls_ca, "other.example"), (upstream.hostname, upstream.port)
    ) as other:
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


def trust_store(environ: dict[str, str]) -> tuple[str | None, str | None]:
    """``(cafile, capath)`` verified with: the environment's, else the system's store."""
    trust = trust_from_environ(environ)
    if trust.cafile is None and trust.capath is None:
        trust = system_trust()
    return trust.cafile, trust.capath


def _hashed_dir(tmp_path, name: str, ca: trustme.CA):
    """A directory laid out like /etc/ssl/certs: the CA under its OpenSSL subject hash."""
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command names certificates by subject hash (Debian's openssl)"
    directory = tmp_path / name
    directory.mkdir()
    pem = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    digest = subprocess.run(
        [openssl, "x509", "-subject_hash", "-noout", "-in", str(pem)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    pem.rename(directory / f"{digest}.0")
    return directory


@pytest.fixture
def tls_endpoint():
    """A fake SSM endpoint over TLS, its certificate for "localhost" from a fresh CA."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_context)
    fake = FakeSsm([page([("/tls/app/SECRET", "over-tls-value-0001")])])
    fake.server.socket = server_context.wrap_socket(fake.server.socket, server_side=True)
    port = fake.server.server_address[1]
    with fake:
        yield ca, port, fake
    _TLS_CONTEXTS.clear()  # contexts are cached per trust store; start the next test clean


def _env(**extra):
    return {
        "AWS_ACCESS_KEY_ID": "AKIATRUST",
        "AWS_SECRET_ACCESS_KEY": "trust-secret-key-0001",
        "AWS_REGION": "us-east-1",
        **extra,
    }


def test_a_hashed_directory_is_preferred_to_the_bundle(tmp_path):
    assert trust_store({"SSL_CERT_DIR": str(tmp_path)}) == (None, str(tmp_path))
    assert trust_store({"SSL_CERT_FILE": "/x.pem"}) == ("/x.pem", None)
    cafile, capath = trust_store({})
    # This machine (Debian) has /etc/ssl/certs hashed, as Amazon Linux 2023 has directory-hash.
    assert cafile is None and capath and any(n.endswith(".0") for n in os.listdir(capath))


def test_verification_through_a_hashed_directory(tls_endpoint, tmp_path):
    ca, port, fake = tls_endpoint
    good = _hashed_dir(tmp_path, "good", ca)
    values = load_parameters(
        "/tls/app", environ=_env(SSL_CERT_DIR=str(good)), endpoint_url=f"https://localhost:{port}"
    )
    assert values == {"SECRET": "over-tls-value-0001"}


def test_a_wrong_ca_fails_verification_and_is_not_retried(tls_endpoint, tmp_path):
    ca, port, fake = tls_endpoint
    other = _hashed_dir(tmp_path, "other", trustme.CA())
    with pytest.raises(
        EndpointError, match="TLS certificate of https://localhost:.* is not trusted"
    ):
        load_parameters(
            "/tls/app",
            environ=_env(SSL_CERT_DIR=str(other)),
            endpoint_url=f"https://localhost:{port}",
        )
    assert fake.requests == []  # the handshake failed: nothing was sent


def test_a_wrong_host_name_fails_verification(tls_endpoint, tmp_path):
    ca, port, fake = tls_endpoint
    good = _hashed_dir(tmp_path, "good", ca)
    with pytest.raises(EndpointError, match="not trusted"):
        load_parameters(
            "/tls/app",
            environ=_env(SSL_CERT_DIR=str(good)),
            endpoint_url=f"https://127.0.0.1:{port}",
        )
    assert fake.requests == []


def test_the_ca_bundle_still_wins(tls_endpoint, tmp_path):
    ca, port, fake = tls_endpoint
    other = _hashed_dir(tmp_path, "other", trustme.CA())
    bundle = tmp_path / "bundle.pem"
    ca.cert_pem.write_to_path(str(bundle))
    values = load_parameters(
        "/tls/app",
        environ=_env(AWS_CA_BUNDLE=str(bundle), SSL_CERT_DIR=str(other)),
        endpoint_url=f"https://localhost:{port}",
    )
    assert values == {"SECRET": "over-tls-value-0001"}
