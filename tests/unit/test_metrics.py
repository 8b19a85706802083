"""The EMF document a load writes (``SSM_ENV_METRICS=emf``), checked against the specification's validator, and its error codes."""

from __future__ import annotations

import json

import pytest
from emf_spec import problems
from metrics_cases import _directive

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
