"""SSM_ENV_METRICS=emf: one CloudWatch Embedded Metric Format line a load, on success and on
failure, valid by the specification (emf_spec, tested here on its own first), counts and times
only; through the wrapper in its three shipped forms, against moto and the scripted endpoint."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, assert_no_secrets, put, run_show_env
from emf_spec import problems
from fake_ssm import FakeSsm, aws_error, page

from ssm_env_wrapper.errors import AwsApiError, ConfigError, DeadlineError
from ssm_env_wrapper.metrics import CODES, LoadStats, emf_document, error_code

GOOD = {
    "_aws": {
        "Timestamp": 1_700_000_000_000,
        "CloudWatchMetrics": [
            {
                "Namespace": "app",
                "Dimensions": [["Service"], []],
                "Metrics": [
                    {"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 60},
                    {"Name": "Hits"},
                ],
            }
        ],
    },
    "Service": "api",
    "Latency": [1, 2.5],
    "Hits": 3,
    "note": "members the specification does not name are ignored",
}


def _bad(change) -> str:
    document = json.loads(json.dumps(GOOD))
    change(document)
    return json.dumps(document)


def _directive(document):
    return document["_aws"]["CloudWatchMetrics"][0]


BAD = {
    "no _aws": lambda d: d.pop("_aws"),
    "no Timestamp": lambda d: d["_aws"].pop("Timestamp"),
    "Timestamp as text": lambda d: d["_aws"].update(Timestamp="2024-01-01"),
    "no CloudWatchMetrics": lambda d: d["_aws"].pop("CloudWatchMetrics"),
    "no Namespace": lambda d: _directive(d).pop("Namespace"),
    "empty Namespace": lambda d: _directive(d).update(Namespace=""),
    "Dimensions not a list of lists": lambda d: _directive(d).update(Dimensions=["Service"]),
    "dimension not on the root": lambda d: d.pop("Service"),
    "dimension value a number": lambda d: d.update(Service=3),
    "31 dimensions": lambda d: (
        _directive(d).update(Dimensions=[[f"D{i}" for i in range(31)]]),
        d.update({f"D{i}": "x" for i in range(31)}),
    ),
    "metric not on the root": lambda d: d.pop("Hits"),
    "metric value text": lambda d: d.update(Hits="3"),
    "metric value boolean": lambda d: d.update(Hits=True),
    "Metric without Name": lambda d: _directive(d)["Metrics"].append({"Unit": "Count"}),
    "unknown Unit": lambda d: _directive(d)["Metrics"][1].update(Unit="Requests"),
    "StorageResolution 5": lambda d: _directive(d)["Metrics"][1].update(StorageResolution=5),
    "101 metrics": lambda d: (
        _directive(d).update(Metrics=[{"Name": f"M{i}"} for i in range(101)]),
        d.update({f"M{i}": 1 for i in range(101)}),
    ),
    "101 values": lambda d: d.update(Latency=list(range(101))),
}


def test_the_validator_accepts_a_valid_document():
    assert problems(json.dumps(GOOD)) == []


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_validator_refuses(case):
    assert problems(_bad(BAD[case])) != []


@pytest.mark.parametrize(
    "line", ["", "not json", json.dumps(GOOD) + " trailing", "[1]", "x" * (256 * 1024 + 1)]
)
def test_the_validator_refuses_what_is_not_one_object(line):
    assert problems(line) != []


def test_the_document_is_valid_with_and_without_a_function_name():
    stats = LoadStats()
    stats.requests, stats.retries, stats.throttled, stats.parameters = 5, 2, 1, 12
    for name in ("my-function", ""):
        for error in (None, AwsApiError("GetParameters", "ThrottlingException", "slow")):
            document = emf_document(
                "ssm-env-wrapper", stats, 12.34, function_name=name, error=error
            )
            assert problems(json.dumps(document)) == []
            assert document["Requests"] == 5 and document["Throttled"] == 1
            assert ("FunctionName" in document) == bool(name)
            assert document["Failure"] == (error is not None)
    assert document["ErrorCode"] == "Throttled"
    assert _directive(document)["Dimensions"] == [[]]  # no function name: no dimension


@pytest.mark.parametrize(
    "error, code",
    [
        (AwsApiError("GetParameters", "AccessDeniedException", "no"), "AccessDenied"),
        (AwsApiError("GetParameters", "InvalidParameters", "gone"), "NotFound"),
        (AwsApiError("GetParameters", "KMSAccessDeniedException", "kms"), "KMS"),
        (AwsApiError("GetParameters", "SomethingNew", "?"), "AwsApi"),
        (DeadlineError("late"), "Timeout"),
        (ConfigError("bad"), "Config"),
    ],
)
def test_error_codes_come_from_a_fixed_set(error, code):
    assert error_code(error) == code and code in CODES


def _emf_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith('{"_aws"')]


def test_the_wrapper_prints_one_valid_line_after_loading(wrapper, ssm, env):
    put(ssm, "/emf/app/DB_HOST", "db-host-value-0001")
    put(ssm, "/emf/app/TOKEN", "token-value-secret-0002", "SecureString")
    env.update(
        SSM_ENV_PATHS="/emf/app",
        SSM_ENV_METRICS="emf",
        SSM_ENV_METRICS_NAMESPACE="team/app",
        AWS_LAMBDA_FUNCTION_NAME="orders-fn",
    )
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_HOST"] == "db-host-value-0001"
    lines = [line for line in proc.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == 1 and problems(lines[0]) == []
    document = json.loads(lines[0])
    assert document["FunctionName"] == "orders-fn" and document["Failure"] == 0
    assert document["ParametersLoaded"] == 2 and document["SecretsLoaded"] == 0
    assert document["Requests"] == 1 and document["Retries"] == 0
    assert _directive(document)["Namespace"] == "team/app"
    assert "/emf/app" not in lines[0] and "DB_HOST" not in lines[0]
    # stdout is the child's report of its environment; the wrapper's own output is stderr.
    assert_no_secrets(
        subprocess.CompletedProcess(proc.args, 0, "", proc.stderr),
        "db-host-value-0001",
        "token-value-secret-0002",
    )


def test_the_wrapper_prints_the_line_when_the_load_fails(wrapper, ssm, env):
    env.update(SSM_ENV_NAMES="/emf/missing/NAME", SSM_ENV_METRICS="emf")
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    (document,) = _emf_lines(proc.stderr)
    assert problems(json.dumps(document)) == []
    assert document["Failure"] == 1 and document["ErrorCode"] == "NotFound"
    assert "FunctionName" not in document and document["Requests"] == 1
    assert "/emf/missing" not in json.dumps(document)


def test_a_configuration_error_is_counted_too(wrapper, env):
    env.update(SSM_ENV_NAMES="/bad//name", SSM_ENV_METRICS="emf")
    proc, _ = run_show_env(wrapper, env)
    assert proc.returncode == 1
    (document,) = _emf_lines(proc.stderr)
    assert document["ErrorCode"] == "Config" and document["Requests"] == 0


def test_retries_and_throttles_are_counted(wrapper, env):
    with FakeSsm(
        [aws_error("ThrottlingException", "Rate exceeded"), page([("/t/app/A", "a-value-0001")])]
    ) as fake:
        env.update(AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/t/app", SSM_ENV_METRICS="emf")
        proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    (document,) = _emf_lines(proc.stderr)
    assert (document["Requests"], document["Retries"], document["Throttled"]) == (2, 1, 1)


def test_a_bad_metrics_setting_is_one_clear_line(wrapper, env):
    env.update(SSM_ENV_PATHS="/x", SSM_ENV_METRICS="prometheus")
    proc, _ = run_show_env(wrapper, env)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "ssm-env-wrapper: SSM_ENV_METRICS must be emf (or empty: off), got 'prometheus'"
    ]


def test_metrics_off_imports_nothing_new(env):
    """With metrics off the metrics module is never imported (the cold path stays as it was)."""
    code = (
        "import sys, os; sys.path.insert(0, {!r}); import ssm_env_wrapper.wrapper as w; "
        "os.environ.update(SSM_ENV_PATHS='/nothing/here', SSM_ENV_ON_ERROR='continue'); "
        "w.exec_command = lambda *a: None; "
        "w.run(['true']); print('ssm_env_wrapper.metrics' in sys.modules)"
    ).format(str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.strip().splitlines()[-1] == "False", proc.stderr
