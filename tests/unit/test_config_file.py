"""The AWS shared config and credentials files, read as botocore reads them: default section, quoted profile names, a bad region or an unparsable file named."""

from __future__ import annotations

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
