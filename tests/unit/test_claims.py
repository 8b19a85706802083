"""Claims: required variables, and SSM_ENV_COLLISION (error by default, later-wins keeps a collision inside one source an error)."""

from __future__ import annotations

import pytest
from conftest import api_load, put


def test_a_bad_required_name_is_a_setting_error(api):
    with pytest.raises(api.ConfigError, match="SSM_ENV_REQUIRED: not variable names: 'A-B'"):
        api.Settings.from_environ({"SSM_ENV_REQUIRED": "OK,A-B"})


def test_later_wins_keeps_a_collision_inside_one_source(ssm, env, api):
    put(ssm, "/one/db-host", "a")
    put(ssm, "/one/db_host", "b")
    with pytest.raises(api.NameCollisionError, match="/one/db-host, /one/db_host map to db_host"):
        api_load(api, env, SSM_ENV_PATHS="/one", SSM_ENV_COLLISION="later-wins")


def test_the_default_is_still_an_error(ssm, env, api):
    put(ssm, "/a/X", "1")
    put(ssm, "/b/X", "2")
    with pytest.raises(api.NameCollisionError, match="SSM_ENV_COLLISION=later-wins"):
        api_load(api, env, SSM_ENV_PATHS="/a,/b")
