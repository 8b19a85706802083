"""Source items as users write them: names, references, paths, JSON values, ``${VAR}`` expansion as data, optional names, parameter ARNs and Secrets Manager ids."""

from __future__ import annotations

import json

import pytest
from conftest import api_load, put
from fake_ssm import FakeSsm, FaultySsm, modelled, page
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from source_cases import SECRET_PASSWORD, arn, db_secret, shared_model

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


# ------------------------------------------------------------------------ ASCII digits only
ARABIC_INDIC = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662"


@pytest.mark.parametrize(
    "variable, item",
    [
        ("SSM_ENV_SECRETS", f"arn:aws:secretsmanager:us-east-1:{ARABIC_INDIC}:secret:x"),
        ("SSM_ENV_JSON_SECRETS", f"arn:aws:secretsmanager:us-east-1:{ARABIC_INDIC}:secret:x"),
        ("SSM_ENV_NAMES", f"arn:aws:ssm:us-east-1:{ARABIC_INDIC}:parameter/x"),
        ("SSM_ENV_SECRETS", "arn:aws:secretsmanager:us-east-1:12345678901\u00b2:secret:x"),
    ],
)
def test_an_arn_account_is_twelve_ascii_digits(api, variable, item):
    with pytest.raises(api.ConfigError, match=f"{variable}: .* is not a valid"):
        api.Settings.from_environ({variable: item})


# ----------------------------------------------------------------------------- explicit names
@pytest.mark.parametrize("count", [0, 1, 10, 11, 25])
def test_names_are_fetched_ten_a_call(ssm, env, api, count):
    for i in range(count):
        put(ssm, f"/app/N{i:02d}", f"v{i}")
    names = ",".join(f"/app/N{i:02d}" for i in range(count))
    # Every name listed twice: duplicates are asked once.
    names += "," + ",".join(f"/app/N{i:02d}" for i in range(count))
    result = api_load(api, env, SSM_ENV_NAMES=names, SSM_ENV_PATHS="" if count else "/empty")
    assert result.variables == {f"N{i:02d}": f"v{i}" for i in range(count)}
    assert result.requests == (-(-count // 10) if count else 1)


def test_names_with_variables_and_selectors(ssm, env, api):
    put(ssm, "/app/db/password", "first-password-0001", "SecureString")
    put(ssm, "/app/db/password", "second-password-0002", "SecureString")
    ssm.label_parameter_version(Name="/app/db/password", ParameterVersion=1, Labels=["old"])
    result = api_load(
        api,
        env,
        SSM_ENV_NAMES="DB_PASSWORD=/app/db/password, V1=/app/db/password:1,"
        "OLD=/app/db/password:old, /app/db/password:2",
    )
    assert result.variables == {
        "DB_PASSWORD": "second-password-0002",
        "V1": "first-password-0001",
        "OLD": "first-password-0001",
        "password": "second-password-0002",
    }
    assert result.provenance["V1"] == "/app/db/password:1"


def test_invalid_names_are_one_error_listing_them_all(ssm, env, api):
    put(ssm, "/app/ok", "fine-value-123")
    with pytest.raises(api.AwsApiError) as caught:
        api_load(api, env, SSM_ENV_NAMES="/app/ok,/app/missing-one,/app/missing-two,/app/ok:7")
    message = str(caught.value)
    assert message.startswith("GetParameters failed (InvalidParameters): ")
    for name in ("/app/missing-one", "/app/missing-two", "/app/ok:7"):
        assert name in message
    assert "fine-value-123" not in message and "SSM_ENV_NAMES" in message


@pytest.mark.parametrize(
    "item, expect",
    [
        ("BAD-VAR=/x", "'BAD-VAR' in 'BAD-VAR=/x' is not a variable name"),
        ("/x:", "bad selector"),
        ("/x:a:b", "bad selector"),
        ("/x y", "not a valid parameter name"),
        ("/x/", "not a valid parameter name"),
        # Full ARNs are accepted (shared parameters are read by ARN); an account id has 12 digits.
        ("arn:aws:ssm:us-east-1:1:parameter/x", "not a valid ssm ARN"),
    ],
)
def test_malformed_names_name_the_setting(api, item, expect):
    with pytest.raises(api.ConfigError, match="SSM_ENV_NAMES") as caught:
        api.Settings.from_environ({"SSM_ENV_NAMES": item})
    assert expect in str(caught.value)


# ----------------------------------------------------------------------------- references
def test_references_are_replaced_and_may_share_a_parameter(ssm, env, api):
    put(ssm, "/app/db/password", "the-password-42", "SecureString")
    put(ssm, "/app/api/key", "old-key-000001")
    put(ssm, "/app/api/key", "new-key-000002")
    target = dict(
        env,
        DB_PASSWORD="ssm:/app/db/password",
        ALSO_PASSWORD="ssm:/app/db/password",
        API_KEY_V1="ssm:/app/api/key:1",
        PLAIN="ssm-not-a-reference",
    )
    result = api.apply_environment(target)
    assert (target["DB_PASSWORD"], target["ALSO_PASSWORD"]) == ("the-password-42",) * 2
    assert target["API_KEY_V1"] == "old-key-000001"
    assert target["PLAIN"] == "ssm-not-a-reference"
    assert result.sources == ("3 references",)
    assert result.requests == 1  # both parameters asked in one GetParameters call


def test_an_unresolvable_reference_fails_and_never_stays_literal(ssm, env, api):
    target = dict(env, DB_PASSWORD="ssm:/app/nope")
    with pytest.raises(api.AwsApiError, match="/app/nope"):
        api.apply_environment(target)
    target = dict(env, DB_PASSWORD="ssm:/app/nope", SSM_ENV_ON_ERROR="continue")
    result = api.apply_environment(target)
    assert "DB_PASSWORD" not in target
    assert result.unset == ("DB_PASSWORD",)
    assert any("/app/nope" in line for line in result.failures)


def test_a_reference_and_a_path_for_one_variable_collide(ssm, env, api):
    put(ssm, "/app/TOKEN", "from-path-000001")
    put(ssm, "/other/token", "from-ref-0000002")
    with pytest.raises(
        api.NameCollisionError,
        match="/app/TOKEN, /other/token map to TOKEN|/other/token, /app/TOKEN map to TOKEN",
    ):
        api_load(api, env, SSM_ENV_PATHS="/app", TOKEN="ssm:/other/token")
    # The same parameter reached twice is one source, not a collision.
    result = api_load(api, env, SSM_ENV_PATHS="/app", TOKEN="ssm:/app/TOKEN")
    assert result.variables == {"TOKEN": "from-path-000001"}


def test_secrets_manager_through_names_and_references(ssm, secrets, env, api):
    secrets.create_secret(
        Name="prod/db-credentials", SecretString='{"user":"app","password":"pw-123456"}'
    )
    secrets.create_secret(Name="api-token", SecretString="tok-abcdef-123456")
    target = dict(
        env,
        SSM_ENV_NAMES="/aws/reference/secretsmanager/api-token",
        SSM_ENV_JSON_NAMES="DB_=/aws/reference/secretsmanager/prod/db-credentials",
        TOKEN_AGAIN="ssm:/aws/reference/secretsmanager/api-token",
    )
    result = api.apply_environment(target)
    assert target["api_token"] == "tok-abcdef-123456"
    assert target["TOKEN_AGAIN"] == "tok-abcdef-123456"
    assert (target["DB_user"], target["DB_password"]) == ("app", "pw-123456")
    assert result.requests == 1


# ----------------------------------------------------------------------------- JSON expansion
def test_json_expansion_applies_only_where_asked(ssm, env, api):
    document = {
        "host": "db.internal",
        "port": 5432,
        "tls": True,
        "opts": {"a": 1},
        "1st": "x",
        "with-dash": "d",
        "none": None,
    }
    put(ssm, "/app/config", json.dumps(document))
    put(ssm, "/app/OTHER_JSON", '{"not": "expanded"}')
    result = api_load(
        api, env, SSM_ENV_JSON_NAMES="/app/config", SSM_ENV_PATHS="/app", SSM_ENV_ALLOW=""
    )
    assert result.variables["host"] == "db.internal"
    assert result.variables["port"] == "5432" and result.variables["tls"] == "true"
    assert result.variables["opts"] == '{"a":1}' and result.variables["none"] == "null"
    assert result.variables["_1st"] == "x" and result.variables["with_dash"] == "d"
    # Off by default: the path loads both parameters as plain values.
    assert result.variables["OTHER_JSON"] == '{"not": "expanded"}'
    assert json.loads(result.variables["config"]) == document
    result = api_load(api, env, SSM_ENV_JSON_NAMES="CFG_=/app/config", SSM_ENV_UPPERCASE="true")
    assert result.variables["CFG_HOST"] == "db.internal"


@pytest.mark.parametrize(
    "value, expect",
    [("not json at all", "is not valid JSON"), ('["a", "list"]', "JSON but not an object")],
)
def test_json_names_must_hold_an_object(ssm, env, api, value, expect):
    put(ssm, "/app/config", value)
    with pytest.raises(api.SsmEnvError, match=expect) as caught:
        api_load(api, env, SSM_ENV_JSON_NAMES="/app/config")
    assert value not in str(caught.value)


@pytest.mark.parametrize(
    "variable, value",
    [
        ("SSM_ENV_NAME_MODE", "flat"),
        ("SSM_ENV_ON_ERROR", "ignore"),
        ("SSM_ENV_PREFIX", "1X"),
        ("SSM_ENV_UPPERCASE", "si"),
        ("SSM_ENV_OVERWRITE", "2"),
        ("SSM_ENV_DISABLED", "on"),
    ],
)
def test_bad_settings_name_their_variable(api, variable, value):
    with pytest.raises(api.ConfigError, match=variable):
        api.Settings.from_environ({variable: value})


@hsettings(max_examples=300, deadline=None)
@given(item=st.text(min_size=1, max_size=40))
def test_any_names_setting_parses_or_is_a_clear_config_error(item):
    from ssm_env_wrapper import ConfigError, Settings
    from ssm_env_wrapper.sources import is_variable_name

    try:
        settings = Settings.from_environ({"SSM_ENV_NAMES": item})
    except ConfigError as exc:
        assert str(exc).startswith("SSM_ENV_NAMES") and "\n" not in str(exc)
        return
    for ref in settings.names:
        assert ref.name and (ref.variable is None or is_variable_name(ref.variable))


# ----------------------------------------------------------------------------- guards
def test_overwrite_on_and_off(ssm, env, api):
    put(ssm, "/app/LOG_LEVEL", "debug")
    put(ssm, "/app/NEW", "n")
    target = dict(env, SSM_ENV_PATHS="/app", LOG_LEVEL="info")
    api.apply_environment(target)
    assert target["LOG_LEVEL"] == "debug"
    target = dict(env, SSM_ENV_PATHS="/app", LOG_LEVEL="info", SSM_ENV_OVERWRITE="false")
    result = api.apply_environment(target)
    assert (target["LOG_LEVEL"], target["NEW"]) == ("info", "n")
    assert result.kept == ("LOG_LEVEL",)


@pytest.mark.parametrize(
    "name",
    [
        "AWS_REGION",
        "AWS_LAMBDA_EXEC_WRAPPER",
        "LAMBDA_TASK_ROOT",
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "SSM_ENV_PATHS",
        "PATH",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "NODE_OPTIONS",
        "NODE_PATH",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "DOTNET_STARTUP_HOOKS",
        "BASH_ENV",
        "ENV",
        "PERL5OPT",
        "PERL5LIB",
        "RUBYOPT",
        "RUBYLIB",
        "HTTPS_PROXY",
        "SSL_CERT_FILE",
        "CORECLR_PROFILER_PATH",
    ],
)
def test_protected_names_are_refused_from_every_source(ssm, env, api, name):
    put(ssm, f"/app/{name}", "evil-value-00001")
    sources = [
        {"SSM_ENV_PATHS": "/app"},
        {"SSM_ENV_NAMES": f"/app/{name}"},
        {"SSM_ENV_NAMES": f"{name}=/app/{name}"},
    ]
    if not name.startswith("SSM_ENV_"):  # this tool's settings are never references
        sources.append({name: f"ssm:/app/{name}"})
    for extra in sources:
        with pytest.raises(api.ProtectedNameError, match=f"/app/{name} would set {name}") as caught:
            api_load(api, env, **extra)
        assert "evil-value-00001" not in str(caught.value)
    # Lifted by SSM_ENV_ALLOW, variable by variable.
    assert api_load(api, env, SSM_ENV_PATHS="/app", SSM_ENV_ALLOW=f"OTHER,{name}").variables == {
        name: "evil-value-00001"
    }


@pytest.mark.parametrize(
    "name",
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_PROFILE",
    ],
)
def test_credentials_can_never_be_allowed(ssm, env, api, name):
    with pytest.raises(api.ConfigError, match=f"SSM_ENV_ALLOW cannot allow {name}"):
        api_load(api, env, SSM_ENV_PATHS="/app", SSM_ENV_ALLOW=name)
    put(ssm, f"/app/{name}", "swapped-credential-1")
    with pytest.raises(api.ProtectedNameError, match="credentials"):
        api_load(api, env, SSM_ENV_PATHS="/app")


def test_a_value_over_the_kernel_limit_for_one_string_is_refused(env, api):
    big = "x" * (128 * 1024)
    with FakeSsm([page([("/p/BIG", big), ("/p/SMALL", "s")])]) as fake:
        with pytest.raises(api.SsmEnvError, match=r"/p/BIG \(variable BIG\).*MAX_ARG_STRLEN"):
            api_load(api, env, SSM_ENV_PATHS="/p", AWS_ENDPOINT_URL_SSM=fake.url)
        result = api_load(
            api, env, SSM_ENV_PATHS="/p", AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_ON_ERROR="continue"
        )
    assert result.variables == {"SMALL": "s"}


def test_expansion_reads_the_starting_environment_never_a_fetched_value(ssm, env):
    """/dev/app holds a parameter STAGE=prod; SSM_ENV_NAMES=/${STAGE}/db still means /dev/db."""
    import ssm_env_wrapper

    put(ssm, "/dev/app/STAGE", "prod")
    put(ssm, "/dev/db", "dev-db")
    put(ssm, "/prod/db", "prod-db")
    result = api_load(
        ssm_env_wrapper, env, STAGE="dev", SSM_ENV_PATHS="/dev/app", SSM_ENV_NAMES="/${STAGE}/db"
    )
    assert result.variables == {"STAGE": "prod", "db": "dev-db"}


def test_a_value_is_expanded_once_and_cannot_add_items(api):
    """A variable's value is not expanded again, and a comma in it is not a separator."""
    environ = {"A": "${B}", "B": "x", "TWO": "/a,/b"}
    with pytest.raises(api.ConfigError, match="is not valid once its"):
        api.Settings.from_environ(dict(environ, SSM_ENV_NAMES="/p/${A}"))
    with pytest.raises(api.ConfigError, match="SSM_ENV_NAMES"):
        api.Settings.from_environ(dict(environ, SSM_ENV_NAMES="${TWO}"))
    with pytest.raises(api.ConfigError, match="SSM_ENV_PATHS"):
        api.Settings.from_environ(dict(environ, SSM_ENV_PATHS="${TWO}"))


@pytest.mark.parametrize(
    "text, expected",
    [("/a/${X}/b", "/a/1/b"), ("$$", "$"), ("a$$b", "a$b"), ("${X}${X}", "11"), ("plain", "plain")],
)
def test_expand(text, expected):
    from ssm_env_wrapper.sources import expand

    assert expand(text, "S", {"X": "1"}) == expected


@pytest.mark.parametrize("text", ["$X", "${X", "${1X}", "${}", "a$", "${X-y}"])
def test_a_dollar_that_is_not_a_variable_is_an_error(text):
    from ssm_env_wrapper import ConfigError
    from ssm_env_wrapper.sources import expand

    with pytest.raises(ConfigError, match=r"S: .*write \$\{NAME\}.*\$\$ for a literal \$"):
        expand(text, "S", {"X": "1"})


def test_expansion_reaches_secret_settings(api):
    settings = api.Settings.from_environ(
        {"STAGE": "dev", "SSM_ENV_SECRETS": "${STAGE}/db", "SSM_ENV_JSON_SECRETS": "${STAGE}/x"}
    )
    assert [ref.secret_id for ref in settings.secrets + settings.json_secrets] == [
        "dev/db",
        "dev/x",
    ]


def test_the_rest_stays_strict(ssm, env, api):
    put(ssm, "/app/a", "value-a")
    with pytest.raises(api.AwsApiError) as caught:
        api_load(api, env, SSM_ENV_NAMES="/app/a,/app/b?,/app/c")
    assert "/app/c does not exist" in str(caught.value) and "/app/b" not in str(caught.value)


def test_the_same_name_asked_strictly_and_optionally_is_strict(ssm, env, api):
    with pytest.raises(api.AwsApiError, match="/app/b does not exist"):
        api_load(api, env, SSM_ENV_NAMES="/app/b?", B="ssm:/app/b")


def test_optional_secrets_and_keys(sm, sm_env, api):
    db_secret(sm)
    result = api_load(
        api,
        sm_env,
        SSM_ENV_SECRETS="nope?,prod/db:password,MISSING_KEY=prod/db:nokey?",
        OPT="secretsmanager:gone?",
    )
    assert result.variables == {"password": SECRET_PASSWORD}
    assert set(result.skipped) == {
        "secretsmanager:nope",
        "secretsmanager:gone",
        "secretsmanager:prod/db#nokey",
    }
    assert "OPT" in result.unset


@pytest.mark.parametrize(
    "item",
    [
        "arn:aws:ssm:us-east-1:12345:parameter/x",  # account id
        "arn:aws:ssm::123456789012:parameter/x",  # region
        "arn:aws:ssm:us-east-1:123456789012:document/x",  # not a parameter
        "arn:aws:s3:us-east-1:123456789012:parameter/x",  # not ssm
        "arn:aws:ssm:us-east-1:123456789012:parameter/",  # no name
        "arn:aws:ssm:us-east-1:123456789012:parameter/x:",  # empty selector
        "arn:moon:ssm:us-east-1:123456789012:parameter/x",  # partition
    ],
)
def test_an_invalid_arn_is_an_error_naming_the_setting(api, item):
    with pytest.raises(api.ConfigError, match=r"SSM_ENV_NAMES: .*(ARN|selector)"):
        api.Settings.from_environ({"SSM_ENV_NAMES": item})


def _rename(to):
    def tamper(body, request):
        for parameter in body["Parameters"]:
            parameter["Name"] = to(parameter["Name"])
        return body

    return tamper


@pytest.mark.parametrize(
    "tamper, accepted",
    [
        (None, True),  # Name = the ARN asked
        (_rename(lambda name: "/team/config"), True),  # Name = the name inside the ARN
        (_rename(lambda name: "team/config"), True),  # ... without its leading slash
        (_rename(lambda name: "/team/other"), False),
        (lambda body, request: dict(body, Parameters=[], InvalidParameters=[]), False),
        (lambda body, request: dict(body, Parameters=body["Parameters"] * 2), False),
    ],
)
def test_every_arn_asked_is_answered_exactly_once(env, tamper, accepted):
    import ssm_env_wrapper

    with FaultySsm([modelled(shared_model(), tamper)]) as fake:
        outcome = None
        try:
            outcome = api_load(
                ssm_env_wrapper,
                env,
                AWS_ENDPOINT_URL_SSM=fake.url,
                SSM_ENV_NAMES=arn("/team/config"),
            )
        except ssm_env_wrapper.SsmEnvError as exc:
            assert "answer is inconsistent" in str(exc)
    assert (outcome is not None) == accepted
    if accepted:
        assert outcome.variables == {"config": json.dumps({"mode": "strict"})}


def test_a_missing_shared_parameter_is_invalid_by_its_arn(env, api):
    with FaultySsm([modelled(shared_model())]) as fake:
        with pytest.raises(api.AwsApiError) as caught:
            api_load(api, env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_NAMES=arn("/team/none"))
    assert arn("/team/none") + " does not exist" in str(caught.value)


def test_a_parameter_arn_value_resolves_like_a_reference(env):
    import ssm_env_wrapper

    with FaultySsm([modelled(shared_model())]) as fake:
        result = api_load(
            ssm_env_wrapper,
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_RESOLVE_ARNS="true",
            TEAM_PASSWORD=arn("/team/db/password") + ":1",
            # A protected variable holding an ARN is another program's setting: left alone.
            AWS_ROLE_ARN=arn("/team/db/password"),
        )
    assert result.variables == {"TEAM_PASSWORD": "shared-v1-DoNotPrint"}
    assert "AWS_ROLE_ARN" not in result.unset


@pytest.mark.parametrize(
    "item, expect",
    [
        ("bad name!", "not a valid secret id"),
        ("arn:aws:secretsmanager:us-east-1:123456789012:parameter:x", "not a valid secret ARN"),
        ("arn:aws:secretsmanager:us-east-1:12:secret:x", "not a valid secretsmanager ARN"),
        ("x:k:s:i:extra", "too many ':' parts"),
        ("1BAD=x", "not a variable name"),
    ],
)
def test_malformed_secrets_name_the_setting(api, item, expect):
    with pytest.raises(api.ConfigError, match="SSM_ENV_SECRETS") as caught:
        api.Settings.from_environ({"SSM_ENV_SECRETS": item})
    assert expect in str(caught.value)


def test_a_json_secret_takes_no_key(api):
    with pytest.raises(api.ConfigError, match="SSM_ENV_JSON_SECRETS: .*names a JSON key"):
        api.Settings.from_environ({"SSM_ENV_JSON_SECRETS": "prod/db:password"})


def test_a_secret_of_another_region_is_refused_before_any_request(sm_env, api):
    with pytest.raises(api.ConfigError, match="another region or partition"):
        api_load(
            api,
            sm_env,
            SSM_ENV_SECRETS="arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf",
        )


def test_guards_apply_to_secrets(sm, sm_env, api):
    sm.create_secret(Name="evil", SecretString=json.dumps({"LD_PRELOAD": "/tmp/x.so", "OK": "1"}))
    sm.create_secret(Name="app/OK", SecretString="other")
    with pytest.raises(api.ProtectedNameError, match=r"secretsmanager:evil#LD_PRELOAD"):
        api_load(api, sm_env, SSM_ENV_JSON_SECRETS="evil")
    with pytest.raises(api.NameCollisionError, match="map to OK"):
        api_load(
            api,
            sm_env,
            SSM_ENV_JSON_SECRETS="evil",
            SSM_ENV_SECRETS="app/OK",
            SSM_ENV_ALLOW="LD_PRELOAD",
        )
    with pytest.raises(api.ProtectedNameError, match="secretsmanager:app/OK would set PATH"):
        api_load(api, sm_env, PATH="secretsmanager:app/OK")
    sm.create_secret(Name="big", SecretString="x" * 140_000)
    with pytest.raises(api.SsmEnvError, match="cannot put in the environment: secretsmanager:big"):
        api_load(api, sm_env, SSM_ENV_SECRETS="big")


# ------------------------------------------------------------------------------ attacks on it
def test_expanded_text_never_reaches_a_message(api):
    """An item malformed once expanded is quoted as written: the environment may hold a secret."""
    environ = {"DB_PASSWORD": "hunter2-DoNotPrint!", "SSM_ENV_NAMES": "/app/${DB_PASSWORD}"}
    with pytest.raises(api.ConfigError) as caught:
        api.Settings.from_environ(environ)
    assert "'/app/${DB_PASSWORD}' is not valid once its ${...} are expanded" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(api.ConfigError, match="names a credential, which is never expanded"):
        api.Settings.from_environ(
            {"AWS_SECRET_ACCESS_KEY": "x", "SSM_ENV_PATHS": "/${AWS_SECRET_ACCESS_KEY}"}
        )
