"""The Python API's arguments: a wrong type is one ConfigError naming the argument."""

from __future__ import annotations

import pytest
from entry_cases import ENV, MARK

# ------------------------------------------- the API's arguments, checked where they come in
API_ENV = dict(ENV, SSM_ENV_NAMES="")


@pytest.mark.parametrize(
    "given, argument",
    [
        ({"paths": 5}, "paths"),
        ({"names": [5]}, "names"),
        ({"names": [None]}, "names"),
        ({"secrets": [b"x"]}, "secrets"),
        ({"secrets": b"x"}, "secrets"),
        ({"required": [5]}, "required"),
        ({"paths": "/a", "timeout": "x"}, "timeout"),
        ({"paths": "/a", "timeout": float("nan")}, "timeout"),
        ({"paths": "/a", "timeout": float("inf")}, "timeout"),
        ({"paths": "/a", "max_attempts": "3"}, "max_attempts"),
        ({"paths": "/a", "max_attempts": 0}, "max_attempts"),
        ({"paths": "/a", "recursive": "yes"}, "recursive"),
        ({"paths": "/a", "uppercase": "no"}, "uppercase"),
        ({"paths": "/a", "prefix": 5}, "prefix"),
        ({"paths": "/a", "region": 5}, "region"),
        ({"paths": "/a", "endpoint_url": 5}, "endpoint_url"),
        ({"paths": "/a", "secrets_endpoint_url": 5}, "secrets_endpoint_url"),
        ({"paths": "/a", "credentials": "x"}, "credentials"),
        ({"paths": "/a", "environ": {"AWS_REGION": 5}}, "environ"),
        ({"paths": "/a", "environ": {5: "x"}}, "environ"),
        ({"paths": "/a", "environ": ["AWS_REGION"]}, "environ"),
    ],
)
def test_a_wrong_argument_is_a_config_error_naming_it(api, given, argument):
    with pytest.raises(api.ConfigError) as caught:
        api.load_parameters(**dict({"environ": API_ENV}, **given))
    assert str(caught.value).startswith(f"{argument}=") and MARK not in str(caught.value)


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda api: api.variable_name(5), "parameter_name"),
        (lambda api: api.variable_name(None), "parameter_name"),
        (lambda api: api.variable_name("/a", prefix=5), "prefix"),
        (lambda api: api.variable_name("/a", mode="relative", base_path=5), "base_path"),
        (lambda api: api.Settings.from_environ({"SSM_ENV_NAMES": 5}), "environ"),
        (lambda api: api.load(api.Settings.from_environ(ENV), ENV, timeout="1"), "timeout"),
        (lambda api: api.load(api.Settings.from_environ(ENV), {"SSM_ENV_X": 1}), "environ"),
    ],
)
def test_other_entry_points_name_a_wrong_argument(api, call, argument):
    with pytest.raises(api.ConfigError) as caught:
        call(api)
    assert str(caught.value).startswith(f"{argument}=") and MARK not in str(caught.value)
