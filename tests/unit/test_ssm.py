"""The Parameter Store client's answers: a version answered without a selector, the root path's names with and without a leading slash."""

from __future__ import annotations

import pytest
from fake_ssm import FaultySsm, modelled
from ssm_cases import VALUE_A1, edit, model


def test_a_version_answered_without_a_selector_is_matched_by_its_version(env):
    """moto leaves ``Selector`` out; the version then proves the answer (a label cannot be)."""
    import ssm_env_wrapper

    tamper = edit("/app/a", Selector=...)
    with FaultySsm([modelled(model(), tamper)]) as fake:
        environ = dict(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_NAMES="V1=/app/a:1")
        result = ssm_env_wrapper.load(ssm_env_wrapper.Settings.from_environ(environ), environ)
    assert result.variables == {"V1": VALUE_A1}


# ------------------------------------------------------------------------- the root path, moto
@pytest.mark.parametrize(
    "recursive, expected",
    [
        ("false", {"top": "t-value", "root_leaf": "r-value"}),
        ("true", {"top": "t-value", "root_leaf": "r-value", "deep": "d-value"}),
    ],
)
def test_the_root_path_holds_names_with_and_without_a_leading_slash(
    ssm, env, api, recursive, expected
):
    """Below ``/`` SSM also returns top-level names that have no leading slash (moto does too)."""
    from conftest import put

    put(ssm, "top", "t-value")
    put(ssm, "/root_leaf", "r-value")
    put(ssm, "/a/b/deep", "d-value")
    environ = dict(env, SSM_ENV_PATHS="/", SSM_ENV_RECURSIVE=recursive)
    result = api.load(api.Settings.from_environ(environ), environ)
    assert result.variables == expected
