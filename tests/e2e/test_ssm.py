"""The Parameter Store client's answers checked against what was asked, through the wrapper: inconsistent or malformed answers fail closed in one line (continue mode drops the whole job), the real API's answers load every kind of name."""

from __future__ import annotations

import subprocess

import pytest
from conftest import assert_no_secrets, run_show_env
from fake_ssm import FaultySsm, modelled
from ssm_cases import (
    DEEP,
    VALUE_A1,
    VALUE_A2,
    VALUE_B,
    VALUE_C,
    VALUE_SECRET,
    VALUE_X,
    VALUE_Y,
    _parameters,
    edit,
    model,
    one_line,
)

VALUES = (VALUE_A1, VALUE_A2, VALUE_B, VALUE_SECRET, VALUE_X, VALUE_Y, VALUE_C)


def drop(name):
    return lambda body, request: dict(
        body, Parameters=[p for p in _parameters(body) if p["Name"] != name]
    )


def add(**parameter):
    full = {"Type": "String", "Version": 1, **parameter}
    return lambda body, request: dict(body, Parameters=_parameters(body) + [full])


def double(body, request):
    return dict(body, Parameters=_parameters(body) + _parameters(body)[:1])


def top(**fields):
    return lambda body, request: dict(body, **fields)


def raw_body(text):
    return lambda body, request: text


def first_page_again(body, request):
    """Every later page also repeats the first page's first parameter."""
    if (request["body"] or {}).get("NextToken"):
        return dict(
            body,
            Parameters=_parameters(body)
            + [dict(model().get_parameters_by_path("/many", False)["Parameters"][0])],
        )
    return body


NAMES = {"SSM_ENV_NAMES": "/app/a,B=/app/b"}

PATH = {"SSM_ENV_PATHS": "/p"}

# (sources, tamper, what the one line must name). Each must fail closed.
INCONSISTENT = {
    # Defect 4: a name asked and answered nowhere.
    "name-omitted": (NAMES, drop("/app/b"), "GetParameters /app/a, /app/b failed"),
    "version-omitted": ({"SSM_ENV_NAMES": "V1=/app/a:1"}, drop("/app/a"), "/app/a:1"),
    "label-omitted": ({"SSM_ENV_NAMES": "OLD=/app/a:old"}, drop("/app/a"), "/app/a:old"),
    "reference-omitted": ({"DB_PASSWORD": "ssm:/app/b"}, drop("/app/b"), "/app/b"),
    "json-name-omitted": ({"SSM_ENV_JSON_NAMES": "DB_=/app/json"}, drop("/app/json"), "/app/json"),
    "secret-omitted": (
        {"SSM_ENV_NAMES": "S=/aws/reference/secretsmanager/s"},
        drop("/aws/reference/secretsmanager/s"),
        "/aws/reference/secretsmanager/s",
    ),
    # The mirror image: an answer holding what was not asked.
    "name-unasked": (NAMES, add(Name="/app/other", Value="x"), "/app/other"),
    "name-case": (NAMES, edit("/app/b", Name="/app/B"), "/app/B"),
    "name-trailing-slash": (NAMES, edit("/app/b", Name="/app/b/"), "/app/b/"),
    "name-as-other-secret": (
        {"SSM_ENV_NAMES": "S=/aws/reference/secretsmanager/s"},
        edit("/aws/reference/secretsmanager/s", Name="/s"),
        "/s",
    ),
    "name-twice": (NAMES, double, "/app/a"),
    "name-valid-and-invalid": (NAMES, top(InvalidParameters=["/app/b"]), "/app/b"),
    "invalid-unasked": (NAMES, top(InvalidParameters=["/app/zzz"]), "/app/zzz"),
    "selector-wrong": ({"SSM_ENV_NAMES": "V1=/app/a:1"}, edit("/app/a", Selector=":2"), "/app/a:1"),
    "selector-label-wrong": (
        {"SSM_ENV_NAMES": "OLD=/app/a:old"},
        edit("/app/a", Selector=":new"),
        "/app/a:old",
    ),
    "selector-unasked": (NAMES, edit("/app/a", Selector=":1"), "/app/a"),
    "version-wrong": (
        {"SSM_ENV_NAMES": "V1=/app/a:1"},
        edit("/app/a", Selector=..., Version=2),
        "/app/a:1",
    ),
    "version-selector-past-the-int-limit": (
        {"SSM_ENV_NAMES": "V=/app/a:" + "9" * 5000},
        lambda body, request: {
            "Parameters": [
                {
                    "Name": "/app/a",
                    "Value": VALUE_A1,
                    "Type": "String",
                    "Version": 1,
                    "Selector": ":" + "9" * 5000,
                }
            ]
        },
        "/app/a:999",
    ),
    "version-wrong-selector-right": (
        {"SSM_ENV_NAMES": "V1=/app/a:1"},
        edit("/app/a", Version=2),
        "/app/a:1",
    ),
    "path-outside": (PATH, add(Name="/other/B", Value="x"), "/other/B"),
    "path-sibling-prefix": (PATH, add(Name="/pp/B", Value="x"), "/pp/B"),
    "path-not-direct-child": (PATH, add(Name="/p/sub/D", Value="x"), "/p/sub/D"),
    "path-the-path-itself": (PATH, add(Name="/p", Value="x"), "/p"),
    "path-case": (PATH, edit("/p/X", Name="/P/X"), "/P/X"),
    "path-trailing-slash": (PATH, edit("/p/X", Name="/p/X/"), "/p/X/"),
    "path-empty-segment": (
        {"SSM_ENV_PATHS": "/p", "SSM_ENV_RECURSIVE": "true"},
        edit("/p/sub/C", Name="/p//C"),
        "/p//C",
    ),
    "path-control-characters": (PATH, edit("/p/X", Name="/p/X\nssm-env-wrapper: forged"), "/p/X"),
    "path-twice-in-a-page": (PATH, double, "/p/X"),
    "path-twice-across-pages": ({"SSM_ENV_PATHS": "/many"}, first_page_again, "/many/P00"),
    "path-page-over-max-results": (
        {"SSM_ENV_PATHS": "/many"},
        lambda body, request: dict(body, Parameters=_parameters(body) * 2),
        "/many",
    ),
}

MALFORMED = {
    # Defect 6: JSON types the API never sends.
    "next-token-number": (PATH, top(NextToken=7), "NextToken"),
    "next-token-list": (PATH, top(NextToken=["t"]), "NextToken"),
    "next-token-object": (PATH, top(NextToken={"t": 1}), "NextToken"),
    "next-token-true": (PATH, top(NextToken=True), "NextToken"),
    "parameters-object": (PATH, top(Parameters={"Name": "/p/X"}), "Parameters"),
    "parameters-string": (NAMES, top(Parameters="none"), "Parameters"),
    "parameter-string": (PATH, top(Parameters=["/p/X"]), "parameter"),
    "parameter-null": (NAMES, top(Parameters=[None]), "parameter"),
    "parameter-list": (PATH, top(Parameters=[["/p/X", VALUE_X]]), "parameter"),
    "name-number": (PATH, edit("/p/X", Name=7), "Name"),
    "name-null": (NAMES, edit("/app/a", Name=None), "Name"),
    "value-number": (PATH, edit("/p/X", Value=7), "Value"),
    "value-object": (NAMES, edit("/app/a", Value={"v": 1}), "Value"),
    "value-missing": (NAMES, edit("/app/a", Value=...), "Value"),
    "type-number": (PATH, edit("/p/X", Type=1), "Type"),
    "type-list": (NAMES, edit("/app/a", Type=["String"]), "Type"),
    "selector-number": ({"SSM_ENV_NAMES": "V1=/app/a:1"}, edit("/app/a", Selector=1), "Selector"),
    "version-string": ({"SSM_ENV_NAMES": "V1=/app/a:1"}, edit("/app/a", Version="1"), "Version"),
    "invalid-parameters-string": (NAMES, top(InvalidParameters="/app/b"), "InvalidParameters"),
    "invalid-parameters-number": (NAMES, top(InvalidParameters=[7]), "InvalidParameters"),
    "answer-deeply-nested": (
        PATH,
        raw_body('{"Parameters": ' + "[" * DEEP + "]" * DEEP + "}"),
        "GetParametersByPath /p failed",
    ),
    "answer-deeply-nested-object": (
        NAMES,
        raw_body('{"X": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}"),
        "GetParameters /app/a, /app/b failed",
    ),
    "answer-huge-number": (
        PATH,
        raw_body('{"Parameters": [], "NextToken": ' + "9" * 5000 + "}"),
        "GetParametersByPath /p failed",
    ),
    "answer-invalid-json": (
        PATH,
        raw_body('{"Parameters": [{"Name": "/p/X", "Value": "'),
        "GetParametersByPath /p failed",
    ),
    "answer-array": (NAMES, raw_body("[]"), "GetParameters /app/a, /app/b failed"),
    # JSON values under SSM_ENV_JSON_NAMES: the careless parameter writer.
    "json-value-invalid": ({"SSM_ENV_JSON_NAMES": "/app/badjson"}, None, "/app/badjson"),
    "json-value-array": ({"SSM_ENV_JSON_NAMES": "/app/array"}, None, "/app/array"),
    "json-value-deeply-nested": ({"SSM_ENV_JSON_NAMES": "/app/deep"}, None, "/app/deep"),
    "json-value-huge-number": ({"SSM_ENV_JSON_NAMES": "/app/hugeint"}, None, "/app/hugeint"),
    "json-value-duplicate-keys": ({"SSM_ENV_JSON_NAMES": "/app/dupkeys"}, None, "/app/dupkeys"),
}


def through(wrapper, env, sources, tamper, **extra):
    with FaultySsm([modelled(model(), tamper)]) as fake:
        proc, report = run_show_env(
            wrapper, dict(env, AWS_ENDPOINT_URL_SSM=fake.url, **sources, **extra)
        )
        requests = list(fake.requests)
    # The runtime's environment (stdout) holds values by design; the wrapper's lines never do.
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *VALUES)
    assert "Traceback" not in proc.stderr
    return proc, report, requests


@pytest.mark.parametrize("case", list(INCONSISTENT))
def test_an_inconsistent_answer_fails_closed(env, layer, case):
    sources, tamper, named = INCONSISTENT[case]
    proc, report, _ = through(layer, env, sources, tamper)
    assert proc.returncode == 1 and report == {}, proc.stderr[:2000]
    line = one_line(proc)
    assert "answer is inconsistent" in line and named in line
    assert "AWS_ENDPOINT_URL_SSM" in line
    assert "forged" not in line or "\\n" in line  # a name's line break never splits the line


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_answer_is_one_line_and_the_runtime_never_starts(env, layer, case):
    sources, tamper, named = MALFORMED[case]
    proc, report, _ = through(layer, env, sources, tamper)
    assert proc.returncode == 1 and report == {}, proc.stderr[:2000]
    line = one_line(proc)
    assert named in line


@pytest.mark.parametrize("case", ["name-omitted", "reference-omitted", "path-outside"])
def test_inconsistent_answers_fail_closed_in_every_shipped_form(env, wrapper, case):
    sources, tamper, named = INCONSISTENT[case]
    proc, report, _ = through(wrapper, env, sources, tamper)
    assert proc.returncode == 1 and report == {}
    assert named in one_line(proc)


@pytest.mark.parametrize(
    "case", ["next-token-list", "answer-deeply-nested", "json-value-deeply-nested"]
)
def test_malformed_answers_fail_closed_in_every_shipped_form(env, wrapper, case):
    sources, tamper, named = MALFORMED[case]
    proc, report, _ = through(wrapper, env, sources, tamper)
    assert proc.returncode == 1 and report == {}
    assert named in one_line(proc)


# ------------------------------------------------------------------ what a consistent answer gives
def test_the_real_apis_answers_load_every_kind_of_name(env, wrapper):
    """Selectors come back as ``Selector`` and a secret under its full reference name: all match."""
    sources = {
        "SSM_ENV_NAMES": "/app/a,V1=/app/a:1,OLD=/app/a:old,S=/aws/reference/secretsmanager/s",
        "SSM_ENV_JSON_NAMES": "DB_=/app/json",
        "DB_PASSWORD": "ssm:/app/b",
        "SSM_ENV_PATHS": "/p,/many",
    }
    proc, report, requests = through(wrapper, env, sources, None)
    assert proc.returncode == 0, proc.stderr
    got = report["env"]
    expected = {
        "a": VALUE_A2,
        "V1": VALUE_A1,
        "OLD": VALUE_A1,
        "S": VALUE_SECRET,
        "DB_host": "db.internal",
        "DB_port": "5432",
        "DB_PASSWORD": VALUE_B,
        "X": VALUE_X,
        "Y": VALUE_Y,
        **{f"P{i:02d}": f"many-{i}" for i in range(12)},
    }
    assert {k: got.get(k) for k in expected} == expected
    assert "C" not in got  # /p/sub/C is not a direct child of /p


def test_invalid_names_stay_one_error_listing_them(env, layer):
    proc, report, _ = through(layer, env, {"SSM_ENV_NAMES": "/app/a,/app/nope,/app/a:9"}, None)
    assert proc.returncode == 1 and report == {}
    line = one_line(proc)
    assert "GetParameters failed (InvalidParameters): /app/nope" in line and "/app/a:9" in line


# ------------------------------------------------------------------------ SSM_ENV_ON_ERROR=continue
@pytest.mark.parametrize(
    "case, lost",
    [
        ("name-omitted", ("a", "B")),  # the whole batch: its answer cannot be trusted
        ("path-outside", ("X", "Y", "B")),  # the whole path, every page
        ("next-token-list", ("X", "Y")),
        ("answer-deeply-nested", ("X", "Y")),
    ],
)
def test_continue_mode_drops_the_whole_job_and_starts_the_runtime(env, layer, case, lost):
    sources, tamper, named = {**INCONSISTENT, **MALFORMED}[case]
    # A second, untouched source (another job) shows that only the job with the bad answer is
    # dropped: a path beside names, a JSON name beside a path.
    if "SSM_ENV_PATHS" in sources:
        extra, kept = {"SSM_ENV_JSON_NAMES": "DB_=/app/json"}, ("DB_host", "db.internal")
    else:
        extra, kept = {"SSM_ENV_PATHS": "/many"}, ("P00", "many-0")

    def only_the_case(body, request):
        asked = request["body"] or {}
        if asked.get("Names") == ["/app/json"] or asked.get("Path") == "/many":
            return body
        return tamper(body, request)

    proc, report, _ = through(
        layer, env, sources, only_the_case, SSM_ENV_ON_ERROR="continue", **extra
    )
    assert proc.returncode == 0, proc.stderr
    got = report["env"]
    assert got.get(kept[0]) == kept[1]
    assert not [name for name in lost if name in got]
    warnings = [
        line
        for line in proc.stderr.splitlines()
        if line.startswith("ssm-env-wrapper: warn: SSM_ENV_ON_ERROR=continue, starting without: ")
    ]
    assert len(warnings) == 1 and named in warnings[0]


def test_continue_mode_unsets_a_reference_the_answer_left_out(env, layer):
    proc, report, _ = through(
        layer, env, {"DB_PASSWORD": "ssm:/app/b"}, drop("/app/b"), SSM_ENV_ON_ERROR="continue"
    )
    assert proc.returncode == 0, proc.stderr
    assert "DB_PASSWORD" not in report["env"]
    assert (
        "answer is inconsistent" in proc.stderr
        and "unset unresolved references: DB_PASSWORD" in proc.stderr
    )


def test_continue_mode_drops_a_json_value_that_is_not_an_object(env, layer):
    proc, report, _ = through(
        layer,
        env,
        {"SSM_ENV_JSON_NAMES": "/app/deep,DB_=/app/json"},
        None,
        SSM_ENV_ON_ERROR="continue",
    )
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_host"] == "db.internal" and "k" not in report["env"]
    assert "/app/deep" in proc.stderr


def test_a_reference_is_resolved_only_by_the_answer_to_its_own_request(env, layer):
    """In continue mode, a name whose GetParameters answer failed stays unresolved even when a
    path loaded in the same start holds a parameter of that name: each value comes from the
    request that asked for it."""

    def omit_b_from_names(body, request):
        if (request["body"] or {}).get("Names"):
            return drop("/p/X")(body, request)
        return body

    proc, report, _ = through(
        layer,
        env,
        {"SSM_ENV_PATHS": "/p", "DB_PASSWORD": "ssm:/p/X"},
        omit_b_from_names,
        SSM_ENV_ON_ERROR="continue",
    )
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["X"] == VALUE_X  # the path's own answer is consistent: it loads
    assert "DB_PASSWORD" not in report["env"]
    assert "unset unresolved references: DB_PASSWORD" in proc.stderr


def test_a_huge_answer_fails_closed_in_one_line(env, layer):
    """Ten values of 200 KiB (each past the kernel's 128 KiB MAX_ARG_STRLEN): refused before exec,
    one line, no value printed."""
    big = "b" * (200 * 1024)

    def huge(body, request):
        return dict(body, Parameters=[dict(p, Value=big + p["Name"]) for p in _parameters(body)])

    with FaultySsm([modelled(model(), huge)]) as fake:
        proc, report = run_show_env(
            layer, dict(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/many")
        )
    assert proc.returncode == 1 and report == {}
    assert big[:64] not in proc.stderr
    assert "cannot put in the environment" in one_line(proc)
