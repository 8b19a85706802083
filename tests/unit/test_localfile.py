"""Small local files named by a setting: a config file that is not a regular file is never read, reading one is bounded by the deadline."""

from __future__ import annotations

import os

import pytest
from credential_cases import MARGIN, credentials_error, load


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "directory"])
@pytest.mark.parametrize("variable", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
def test_a_config_file_that_is_not_a_regular_file_is_never_read(
    bare_env, tmp_path, special, variable
):
    # As botocore (os.path.isfile): not a file, so no profiles. Opened without blocking and
    # checked on the descriptor, so that a FIFO swapped in after a check cannot hang the start.
    from ssm_env_wrapper.config_file import read_profiles

    path = {"fifo": str(tmp_path / "fifo"), "directory": str(tmp_path)}.get(special, special)
    if special == "fifo":
        os.mkfifo(path)
    outcome, elapsed = load(bare_env, SSM_ENV_PATHS="/prod/app", **{variable: path})
    assert elapsed < MARGIN
    assert credentials_error(outcome).startswith("no AWS credentials: looked in the environment")
    assert read_profiles(path, config=variable == "AWS_CONFIG_FILE") is None


def test_reading_a_config_file_is_bounded_by_the_deadline(tmp_path):
    # Each chunk read asks the deadline: a file on a slow disk or network mount stops at it.
    from ssm_env_wrapper.config_file import read_profiles
    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.errors import ConfigError

    path = tmp_path / "config"
    path.write_text("[default]\n" + "# padding\n" * 50000)
    ticks = iter(range(10**6))
    deadline = Deadline(3, clock=lambda: float(next(ticks)))
    with pytest.raises(ConfigError) as caught:
        read_profiles(str(path), config=True, deadline=deadline)
    assert str(caught.value) == (
        f"the config file {path} could not be read within SSM_ENV_TIMEOUT (3 s); "
        "fix it or point AWS_CONFIG_FILE at another file"
    )
