"""The AWS shared config and credentials files, read as botocore reads them: default section, quoted profile names, a bad region or an unparsable file named."""

from __future__ import annotations

import time
import traceback

import pytest
from conftest import timed_load
from credential_cases import CF_KEY, CF_SECRET, leaked, signed, write


def test_default_section_static_keys_and_a_quoted_profile_name(bare_env, tmp_path):
    config = write(
        tmp_path,
        "config",
        f"""\
        [default]
        aws_access_key_id = {CF_KEY}
        aws_secret_access_key = {CF_SECRET}

        [profile "my team"]
        aws_access_key_id = AKIAQUOTEDPROFILE001
        aws_secret_access_key = quotedProfileSecret00
        region = sa-east-1

        [sso-session my-sso]
        sso_region = us-east-1
        """,
    )
    assert signed(bare_env, AWS_CONFIG_FILE=config)[0] == CF_KEY
    assert (
        signed(bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="my team")[0] == "AKIAQUOTEDPROFILE001"
    )


def test_a_bad_region_in_the_config_file_names_it(bare_env, tmp_path):
    config = write(
        tmp_path,
        "config",
        f"""\
        [default]
        region = evil.example.com/
        aws_access_key_id = {CF_KEY}
        aws_secret_access_key = {CF_SECRET}
        """,
    )
    bare_env.pop("AWS_REGION")
    outcome, _ = timed_load(bare_env, SSM_ENV_PATHS="/prod/app", AWS_CONFIG_FILE=config)
    assert str(outcome) == (
        "region = 'evil.example.com/' in the config file is not an AWS region "
        "name (expected something like us-east-1)"
    )


def test_a_config_file_that_cannot_be_parsed_names_it_and_prints_no_secret(bare_env, tmp_path):
    config = write(tmp_path, "config", f"aws_secret_access_key = {CF_SECRET}\n[default\n")
    outcome, _ = timed_load(bare_env, SSM_ENV_PATHS="/prod/app", AWS_CONFIG_FILE=config)
    message = str(outcome)
    assert message.startswith(f"the config file {config} cannot be parsed (")
    assert not leaked(message)


@pytest.mark.parametrize(
    "text",
    [
        f"[default]\naws_access_key_id = {CF_KEY}\n{CF_SECRET}\n",  # a line without '=' quoted
        f"aws_secret_access_key = {CF_SECRET}\n[default]\n",  # the line before any section
    ],
    ids=["parsing-error", "missing-section-header"],
)
def test_a_file_that_cannot_be_parsed_keeps_its_text_out_of_the_traceback(tmp_path, text):
    # configparser's errors quote the offending line; chained as __cause__, a Python caller's
    # traceback (or logging.exception in a handler) would print the secret on it.
    from ssm_env_wrapper.config_file import read_profiles
    from ssm_env_wrapper.errors import SsmEnvError

    path = write(tmp_path, "credentials", text)
    with pytest.raises(SsmEnvError) as caught:
        read_profiles(path, config=False)
    shown = "".join(traceback.format_exception(caught.value))
    in_traceback = bool(leaked(shown)) or CF_SECRET[:12] in shown
    assert not in_traceback, "the file's text reached the traceback"
    assert "cannot be parsed" in str(caught.value)


def test_a_long_line_without_a_delimiter_is_refused_in_linear_time(tmp_path):
    # configparser's own option pattern backtracks quadratically on a run of blanks with no
    # '=' or ':' after it: 100,000 blanks took minutes, past any SSM_ENV_TIMEOUT (the file is
    # read within the deadline, the parse is not timed). The bound is a hundredfold margin.
    from ssm_env_wrapper.config_file import read_profiles
    from ssm_env_wrapper.errors import SsmEnvError

    path = write(tmp_path, "config", "[default]\nregion = us-east-1\na" + " " * 100_000 + "b\n")
    started = time.monotonic()
    with pytest.raises(SsmEnvError, match="cannot be parsed"):
        read_profiles(path, config=True)
    assert time.monotonic() - started < 5
