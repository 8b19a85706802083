"""An endpoint on loopback that answers every operation with a JSON shape drawn by hypothesis.

``ShapeEndpoint`` is a ``fake_ssm.FakeSsm`` (a real HTTP/1.1 server on 127.0.0.1) whose one step
answers each request by its ``X-Amz-Target`` operation from ``answers``, a dict
``{operation: (status, body)}`` a test sets before each example (``body``: a JSON value, or
bytes sent as they are). ``answers_for(operations)`` draws such a dict: mostly the operation's
own shape with every field present or missing, of its type or of any other JSON type, sometimes
any JSON value at all, an AWS error, or bytes that are not JSON; the names in it come from
``NAMES`` (what the fuzz tests ask) so that answers reach the code that matches them to requests.
"""

from __future__ import annotations

import json

from fake_ssm import ACCOUNT, FakeSsm, send
from hypothesis import strategies as st

REGION = "us-east-1"
OPERATIONS = ("GetParametersByPath", "GetParameters", "GetSecretValue", "BatchGetSecretValue")


def secret_arn(name: str, suffix: str = "-AbCdEf") -> str:
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}{suffix}"


#: Names and ids the fuzz tests ask for (and a few they do not), as answers would spell them.
NAMES = (
    "/app/a",
    "/app/b",
    "/app/j",
    "/app/r",
    "/app/sub/c",
    "/other/x",
    "a",
    "b",
    "PATH",
    "s1",
    "s2",
    "s3",
    "s4",
    "s5",
    secret_arn("s1"),
    secret_arn("s2"),
    secret_arn("s4"),
    secret_arn("s5"),
    secret_arn("s4", ""),
    f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/a",
    "/aws/reference/secretsmanager/s1",
)
KEYS = (
    "Parameters",
    "InvalidParameters",
    "NextToken",
    "Name",
    "Value",
    "Version",
    "Selector",
    "Type",
    "ARN",
    "SecretValues",
    "Errors",
    "SecretString",
    "SecretBinary",
    "VersionId",
    "VersionStages",
    "SecretId",
    "ErrorCode",
    "Message",
    "__type",
    "message",
    "key",
)

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and Infinity included: json.dumps writes them, and they are not JSON
    | st.text(max_size=12)
    | st.sampled_from(NAMES)
)
any_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=16,
)
#: A string that is itself JSON: the value of a JSON name or a JSON secret.
json_text = any_json.map(lambda value: json.dumps(value)) | st.sampled_from(
    ['{"key": 1e400}', '{"key": NaN}', '{"key": "v", "key": "w"}', '{"key": "\\ud800"}', "{"]
)
text_value = st.text(max_size=16) | json_text | st.sampled_from(NAMES)


def _shape(fields: dict) -> st.SearchStrategy:
    """An object whose every field may be missing, or of any JSON type instead of its own."""
    return st.fixed_dictionaries(
        {}, optional={key: strategy | any_json for key, strategy in fields.items()}
    )


_parameter = _shape(
    {
        "Name": st.sampled_from(NAMES),
        "Value": text_value,
        "Version": st.integers(0, 5),
        "Selector": st.sampled_from([":2", ":1", ":label", ""]),
        "Type": st.sampled_from(["String", "SecureString", "StringList"]),
    }
)
_secret = _shape(
    {
        "Name": st.sampled_from(NAMES),
        "ARN": st.sampled_from(NAMES),
        "SecretString": text_value,
        "SecretBinary": st.text(max_size=8),
        "VersionId": st.sampled_from(["v1", "v2"]),
        "VersionStages": st.lists(st.sampled_from(["AWSCURRENT", "AWSPREVIOUS"]), max_size=2),
    }
)
_batch_error = _shape(
    {
        "SecretId": st.sampled_from(NAMES),
        "ErrorCode": st.sampled_from(["ResourceNotFoundException", "DecryptionFailure"]),
        "Message": st.text(max_size=12),
    }
)
_token = st.sampled_from(["t1", "t2"])
SHAPES = {
    "GetParametersByPath": _shape(
        {"Parameters": st.lists(_parameter, max_size=4), "NextToken": _token}
    ),
    "GetParameters": _shape(
        {
            "Parameters": st.lists(_parameter, max_size=4),
            "InvalidParameters": st.lists(st.sampled_from(NAMES), max_size=3),
        }
    ),
    "GetSecretValue": _secret,
    "BatchGetSecretValue": _shape(
        {
            "SecretValues": st.lists(_secret, max_size=4),
            "Errors": st.lists(_batch_error, max_size=2),
            "NextToken": _token,
        }
    ),
}
_error = st.tuples(
    st.sampled_from([400, 403, 500]),
    _shape(
        {
            "__type": st.sampled_from(
                ["AccessDeniedException", "ParameterNotFound", "ResourceNotFoundException"]
            ),
            "message": st.text(max_size=12),
        }
    ),
)


def _entries(fields: list[dict]) -> st.SearchStrategy:
    """``fields``, each entry perhaps with one field replaced by any JSON value or removed."""

    @st.composite
    def build(draw) -> list:
        entries = []
        for entry in fields:
            entry = {key: draw(value) for key, value in entry.items()}
            if draw(st.integers(0, 9)) == 0:
                key = draw(st.sampled_from(sorted(entry)))
                if draw(st.booleans()):
                    entry[key] = draw(any_json)
                else:
                    del entry[key]
            entries.append(entry)
        return draw(st.permutations(entries))

    return build()


def _fixed(value: object) -> st.SearchStrategy:
    return st.just(value)


#: Answers that fit what the fuzz tests ask (SOURCES in unit/test_loader.py), their values
#: hostile: these reach the code past the matching (claims, JSON values, names, guards).
PLAUSIBLE = {
    "GetParametersByPath": _entries(
        [
            {"Name": _fixed(f"/app/{leaf}"), "Value": text_value, "Version": _fixed(1)}
            for leaf in ("a", "x", "B", "J_key")
        ]
    ).map(lambda entries: {"Parameters": entries}),
    "GetParameters": _entries(
        [
            {"Name": _fixed("/app/a"), "Value": text_value},
            {"Name": _fixed("/app/b"), "Value": text_value, "Selector": _fixed(":2")},
            {"Name": _fixed("/app/j"), "Value": json_text},
            {"Name": _fixed("/app/r"), "Value": text_value},
        ]
    ).map(lambda entries: {"Parameters": entries, "InvalidParameters": ["/app/sub/c"]}),
    "GetSecretValue": _entries(
        [
            {
                "Name": _fixed("s3"),
                "ARN": _fixed(secret_arn("s3")),
                "SecretString": text_value,
                "VersionId": _fixed("v1"),
                "VersionStages": _fixed(["AWSPREVIOUS"]),
            }
        ]
    ).map(lambda entries: entries[0]),
    "BatchGetSecretValue": _entries(
        [
            {"Name": _fixed(name), "ARN": _fixed(secret_arn(name)), "SecretString": value}
            for name, value in (
                ("s1", text_value),
                ("s2", json_text),
                ("s4", text_value),
                ("s5", json_text),
            )
        ]
    ).map(lambda entries: {"SecretValues": entries}),
}


def answer_for(operation: str) -> st.SearchStrategy:
    """``(status, body)`` for one operation."""
    plausible = st.tuples(st.just(200), PLAUSIBLE[operation])
    return st.one_of(
        plausible,
        plausible,
        plausible,
        st.tuples(st.just(200), SHAPES[operation]),
        st.tuples(st.just(200), any_json),
        _error,
        st.tuples(st.just(200), st.binary(max_size=12)),
    )


def answers_for(operations: tuple[str, ...] = OPERATIONS) -> st.SearchStrategy:
    return st.fixed_dictionaries({operation: answer_for(operation) for operation in operations})


class ShapeEndpoint(FakeSsm):
    """Answers each operation from ``answers``; an operation not in it gets ``{}``."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, object]] = {}
        super().__init__([self._answer])

    def _answer(self, handler, request) -> None:
        operation = (request["target"] or "").rpartition(".")[2]
        status, body = self.answers.get(operation, (200, {}))
        if isinstance(body, bytes):
            send(handler, status, body, {"Content-Type": "application/x-amz-json-1.1"})
            return
        data = json.dumps(body).encode()  # NaN and Infinity as json writes them
        send(handler, status, data, {"Content-Type": "application/x-amz-json-1.1"})
