"""Small local files named by settings (config and credentials files, token file, CA bundle) through the wrapper: huge or irregular files refused at once."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from credential_cases import CONTAINER_ANSWER, MARGIN, one_line_failure
from fake_ssm import ContainerCredentials


def run_briefly(wrapper, environ, limit: float = 10.0):
    """The wrapper around `true`, killed after ``limit`` seconds (a hang is a failure, not a
    minute of waiting)."""
    try:
        return subprocess.run(
            wrapper + ["true"], env=environ, capture_output=True, text=True, timeout=limit
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the wrapper still ran after {limit} s")


@pytest.mark.parametrize(
    "variable, kind",
    [("AWS_CONFIG_FILE", "config"), ("AWS_SHARED_CREDENTIALS_FILE", "shared credentials")],
)
def test_a_huge_config_or_credentials_file_is_refused_at_once(
    bare_env, wrapper, tmp_path, variable, kind
):
    # 64 MiB (sparse: no disk), SSM_ENV_TIMEOUT=1: refused from its size, before a byte is read.
    path = tmp_path / "huge"
    with open(path, "wb") as handle:
        handle.write(b"[default]\nregion = us-east-1\n")
        handle.truncate(64 << 20)
    environ = dict(
        bare_env, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="1", **{variable: str(path)}
    )
    began = time.monotonic()
    proc = run_briefly(wrapper, environ)
    assert time.monotonic() - began < 1 + MARGIN
    assert one_line_failure(proc) == (
        f"ssm-env-wrapper: the {kind} file {path} is larger than 1 MiB, which no profile "
        f"needs; fix it or point {variable} at another file"
    )


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "huge"])
def test_a_token_file_that_is_not_a_small_regular_file_is_refused(
    bare_env, wrapper, tmp_path, special
):
    # A FIFO blocked open() for ever; /dev/zero filled memory; a token is a few KiB.
    path = {"fifo": str(tmp_path / "fifo"), "huge": str(tmp_path / "huge")}.get(special, special)
    if special == "fifo":
        os.mkfifo(path)
    elif special == "huge":
        with open(path, "wb") as handle:
            handle.truncate(64 << 20)
    reason = "larger than 64 KiB" if special == "huge" else "not a regular file"
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        environ = dict(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_TIMEOUT="2",
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=path,
        )
        proc = run_briefly(wrapper, environ)
        assert provider.requests == []
    assert one_line_failure(proc) == (
        f"ssm-env-wrapper: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={path!r} cannot be read "
        f"({reason}); fix the path or unset it"
    )


@pytest.mark.parametrize("special", ["fifo", "huge"])
def test_a_ca_bundle_that_is_not_a_small_regular_file_is_refused(env, wrapper, tmp_path, special):
    # OpenSSL blocks for ever opening a FIFO, and parses whatever size it is given.
    path = str(tmp_path / special)
    if special == "fifo":
        os.mkfifo(path)
    else:
        with open(path, "wb") as handle:
            handle.truncate(64 << 20)
    reason = "larger than 16 MiB" if special == "huge" else "not a regular file"
    environ = dict(
        env,
        SSM_ENV_PATHS="/prod/app",
        SSM_ENV_TIMEOUT="2",
        AWS_ENDPOINT_URL_SSM="https://127.0.0.1:9",
        AWS_CA_BUNDLE=path,
    )
    proc = run_briefly(wrapper, environ)
    assert one_line_failure(proc) == (
        f"ssm-env-wrapper: AWS_CA_BUNDLE={path!r} cannot be read as PEM certificates "
        f"({reason}); point it at them or unset it"
    )
