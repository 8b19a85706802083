"""Name mapping: parameter names to variable names (prefix, uppercase) and the collisions it can make."""

from __future__ import annotations

import string

import pytest
from conftest import api_load, put
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st


# ----------------------------------------------------------------------------- names
def test_name_modes_prefix_and_uppercase(ssm, env, api):
    put(ssm, "/app/db/host", "h1")
    put(ssm, "/app/cache/host", "h2")
    put(ssm, "/app/port", "p")
    with pytest.raises(api.NameCollisionError) as caught:
        api_load(api, env, SSM_ENV_PATHS="/app", SSM_ENV_RECURSIVE="true")
    assert "/app/db/host" in str(caught.value) and "/app/cache/host" in str(caught.value)
    result = api_load(
        api, env, SSM_ENV_PATHS="/app", SSM_ENV_RECURSIVE="true", SSM_ENV_NAME_MODE="relative"
    )
    assert result.variables == {"db_host": "h1", "cache_host": "h2", "port": "p"}
    result = api_load(
        api,
        env,
        SSM_ENV_PATHS="/app",
        SSM_ENV_RECURSIVE="true",
        SSM_ENV_NAME_MODE="relative",
        SSM_ENV_PREFIX="APP_",
        SSM_ENV_UPPERCASE="yes",
    )
    assert result.variables == {"APP_DB_HOST": "h1", "APP_CACHE_HOST": "h2", "APP_PORT": "p"}


def test_uppercase_can_make_collisions_and_says_so(ssm, env, api):
    put(ssm, "/app/db_host", "a-value-0001")
    put(ssm, "/app/DB_HOST", "b-value-0002")
    assert len(api_load(api, env, SSM_ENV_PATHS="/app").variables) == 2
    with pytest.raises(api.NameCollisionError, match="map to DB_HOST") as caught:
        api_load(api, env, SSM_ENV_PATHS="/app", SSM_ENV_UPPERCASE="true")
    assert "a-value-0001" not in str(caught.value)


_NAME_CHARS = string.ascii_letters + string.digits + "_.-/"


@hsettings(max_examples=300, deadline=None)
@given(
    name=st.text(_NAME_CHARS, min_size=1, max_size=60).map(lambda s: "/" + s.strip("/")),
    base=st.sampled_from([None, "/", "/a", "/a/b"]),
    mode=st.sampled_from(["leaf", "relative"]),
    prefix=st.sampled_from(["", "APP_", "_x"]),
    uppercase=st.booleans(),
)
def test_any_parameter_name_maps_to_a_valid_variable_name(name, base, mode, prefix, uppercase):
    from ssm_env_wrapper.naming import variable_name
    from ssm_env_wrapper.sources import is_variable_name

    assert is_variable_name(
        variable_name(name, base_path=base, mode=mode, prefix=prefix, uppercase=uppercase)
    )
