"""The Parameter Store client's answers: a version answered without a selector, the root path's names with and without a leading slash, an answer too costly to decode."""

from __future__ import annotations

import pytest
from fake_ssm import FakeSsm, FaultySsm, modelled
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


# ------------------------------------------------------------------------- costly answers
@pytest.mark.parametrize("unit", [b"[],", b"{},", b'"",', b"0.5,"])
def test_an_answer_of_a_million_values_is_refused_before_it_is_decoded(unit):
    # Valid JSON under BODY_LIMIT (4 MiB): decoded whole, 1.4 million empty containers were
    # 95 to 105 MiB, most of the smallest Lambda's 128 MB. (Over loopback: a socketpair's
    # buffer cannot hold 4 MiB for a scripted answer.)
    import tracemalloc

    from conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, client_config

    from ssm_env_wrapper.errors import EndpointError
    from ssm_env_wrapper.keys import Credentials
    from ssm_env_wrapper.ssm import SsmClient

    head = b'{"Parameters":[],"x":['
    body = head + unit * ((4 * 2**20 - 100) // len(unit)) + b"0]}"
    with FakeSsm([(200, body)]) as fake:
        config = client_config(fake.url, Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN))
        tracemalloc.start()
        try:
            with SsmClient(config) as ssm, pytest.raises(EndpointError) as caught:
                list(ssm.get_parameters_by_path("/prod/app"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "answered HTTP 200 with JSON of over 100000 values" in str(caught.value)
    assert peak < 40 * 2**20, f"{peak / 2**20:.0f} MiB to read a {len(body) / 2**20:.0f} MiB answer"
