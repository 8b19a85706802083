"""``${VAR}`` in a source setting is data inside a parameter name or secret id, never syntax: the
item is parsed as written (``VAR=``, the ``:version``/``:label`` or secret suffix, the trailing
``?``) and only then is its name or id expanded, and checked as a name."""

from __future__ import annotations

import pytest

NOT_VALID = "is not valid once its ${...} are expanded"


def settings(api, **environ):
    return api.Settings.from_environ(environ)


def test_an_expansion_cannot_add_a_variable_name(api):
    with pytest.raises(api.ConfigError) as caught:
        settings(api, X="INJECTED=/evil/p", SSM_ENV_NAMES="${X}")
    assert f"SSM_ENV_NAMES: '${{X}}' {NOT_VALID}" in str(caught.value)
    assert "evil" not in str(caught.value)
    with pytest.raises(api.ConfigError, match="SSM_ENV_JSON_NAMES"):
        settings(api, X="INJECTED=/evil/p", SSM_ENV_JSON_NAMES="${X}")


def test_an_expansion_cannot_make_a_name_optional(api):
    with pytest.raises(api.ConfigError) as caught:
        settings(api, Q="?", SSM_ENV_NAMES="/missing/a${Q}")
    assert f"'/missing/a${{Q}}' {NOT_VALID}" in str(caught.value)


def test_an_expansion_cannot_add_a_selector(api):
    with pytest.raises(api.ConfigError, match="SSM_ENV_NAMES"):
        settings(api, V=":3", SSM_ENV_NAMES="/app/db${V}")
    with pytest.raises(api.ConfigError, match="SSM_ENV_NAMES"):
        settings(
            api,
            A="arn:aws:ssm:us-east-1:123456789012:parameter/db:live",
            SSM_ENV_NAMES="${A}",
        )


def test_a_secret_expansion_is_part_of_the_id_only(api):
    # '=' is a character secret names may hold: the whole text is the id, not VAR=.
    got = settings(api, X="INJECTED=prod/db", SSM_ENV_SECRETS="${X}").secrets
    assert [(ref.variable, ref.secret_id) for ref in got] == [(None, "INJECTED=prod/db")]
    with pytest.raises(api.ConfigError, match="SSM_ENV_SECRETS"):
        settings(api, Q="?", SSM_ENV_SECRETS="prod/db${Q}")
    with pytest.raises(api.ConfigError, match="SSM_ENV_SECRETS"):
        settings(api, K=":password", SSM_ENV_SECRETS="prod/db${K}")
    with pytest.raises(api.ConfigError, match="SSM_ENV_JSON_SECRETS"):
        settings(api, S="::AWSPREVIOUS", SSM_ENV_JSON_SECRETS="prod/db${S}")


def test_a_path_expansion_cannot_add_an_item_or_a_mark(api):
    for value in ("/a,/b", "/a?", "/a:3", "A=/a"):
        with pytest.raises(api.ConfigError, match="SSM_ENV_PATHS"):
            settings(api, X=value, SSM_ENV_PATHS="/p${X}")


def test_an_expansion_may_be_a_whole_name_or_id(api):
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"
    got = settings(
        api,
        STAGE="dev",
        P="/dev/db",
        ARN=arn,
        SSM_ENV_NAMES="DB=${P}:3?,/${STAGE}/x:live",
        SSM_ENV_SECRETS="PW=${ARN}:password::,${STAGE}/api?",
    )
    assert [(r.variable, r.name, r.selector, r.optional) for r in got.names] == [
        ("DB", "/dev/db", ":3", True),
        (None, "/dev/x", ":live", False),
    ]
    assert [(r.variable, r.secret_id, r.json_key, r.optional) for r in got.secrets] == [
        ("PW", arn, "password", False),
        (None, "dev/api", "", True),
    ]


def test_an_expansion_outside_the_name_is_refused(api):
    with pytest.raises(api.ConfigError, match=r"only inside .*name"):
        settings(api, V="3", SSM_ENV_NAMES="/app/db:${V}")
    with pytest.raises(api.ConfigError, match=r"only inside .*name"):
        settings(api, K="password", SSM_ENV_SECRETS="prod/db:${K}")
