"""Settings parsers: numbers are ASCII digits."""

from __future__ import annotations

import pytest

import ssm_env_wrapper
from ssm_env_wrapper.errors import ConfigError


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
