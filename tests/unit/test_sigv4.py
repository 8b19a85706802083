"""SigV4 step by step against AWS's own test suite, against botocore at the same instant, and accepted by moto with IAM authentication on."""

from __future__ import annotations

import calendar
import datetime
import http.client
import importlib.util
import json
import time
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from sigv4_cases import EXPECTED

from ssm_env_wrapper import AwsApiError, Credentials, load_parameters
from ssm_env_wrapper.sigv4 import sign


def test_long_term_keys_are_accepted(iam):
    assert (
        load_parameters(
            "/auth/app",
            credentials=iam["user"],
            region="us-east-1",
            endpoint_url=iam["url"],
            environ={},
        )
        == EXPECTED
    )


def test_temporary_keys_with_a_session_token_are_accepted(iam):
    assert iam["role"].token  # the request carries (and signs) X-Amz-Security-Token
    assert (
        load_parameters(
            "/auth/app",
            credentials=iam["role"],
            region="us-east-1",
            endpoint_url=iam["url"],
            environ={},
        )
        == EXPECTED
    )


def test_a_wrong_secret_is_rejected(iam):
    wrong = Credentials(iam["user"].access_key, "not-the-secret-key-at-all-0000000000000")
    with pytest.raises(AwsApiError) as caught:
        load_parameters(
            "/auth/app",
            credentials=wrong,
            region="us-east-1",
            endpoint_url=iam["url"],
            environ={},
            max_attempts=1,
        )
    assert caught.value.code in ("SignatureDoesNotMatch", "InvalidSignatureException")
    assert "not-the-secret-key-at-all" not in str(caught.value)


def test_a_wrong_session_token_is_rejected(iam):
    role = iam["role"]
    forged = Credentials(role.access_key, role.secret_key, role.token[:-4] + "AAAA")
    with pytest.raises(AwsApiError):
        load_parameters(
            "/auth/app",
            credentials=forged,
            region="us-east-1",
            endpoint_url=iam["url"],
            environ={},
            max_attempts=1,
        )


@pytest.mark.parametrize("tamper", ["body", "target"])
def test_a_request_changed_after_signing_is_rejected(iam, tamper):
    host, port = iam["url"].split("//")[1].split(":")
    body = json.dumps({"Path": "/auth/app", "WithDecryption": True}).encode()
    user = iam["user"]

    def send(headers, payload):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("POST", "/", payload, dict(headers))
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status

    base = [
        ("Host", f"{host}:{port}"),
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", "AmazonSSM.GetParametersByPath"),
    ]
    signed = sign(
        "POST",
        "/",
        "",
        base,
        body,
        access_key=user.access_key,
        secret_key=user.secret_key,
        token=None,
        region="us-east-1",
        service="ssm",
        timestamp=time.time(),
    )
    assert send(signed, body) == 200  # the control: untouched, it is accepted
    if tamper == "body":
        changed = body.replace(b"/auth/app", b"/auth/xxx")
        assert send(signed, changed) in (400, 403)
    else:
        headers = [(k, "AmazonSSM.GetParameters" if k == "X-Amz-Target" else v) for k, v in signed]
        assert send(headers, body) in (400, 403)


SUITE = ROOT / "tests" / "data" / "aws4_testsuite"

ACCESS_KEY = "AKIDEXAMPLE"

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

REGION, SERVICE = "us-east-1", "service"

STAMP = calendar.timegm((2015, 8, 30, 12, 36, 0))

# get-vanilla-with-session-token signs with a session token that its .req does not carry (the
# signer adds the header): the value of aws-c-auth's context for that case, as its .creq shows.
SESSION_CASE = "get-vanilla-with-session-token"

SESSION_TOKEN = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"


def _cases() -> list[Path]:
    return sorted(req.parent for req in SUITE.rglob("*.req"))


CASES = _cases()


def test_the_suite_is_there_whole():
    # A missing directory must fail, not quietly run nothing (SOURCE.md lists 34 cases).
    assert SUITE.is_dir(), f"{SUITE} is missing: the SigV4 test vectors ship in the repository"
    assert len(CASES) == 34
    # Amazon's licence and notice travel with the data, and a note says where it came from.
    assert "Apache License" in (SUITE / "LICENSE").read_text(encoding="utf-8")
    assert "AWS Signature Version 4 Test Suite" in (SUITE / "NOTICE").read_text(encoding="utf-8")
    assert "botocore" in (SUITE / "ORIGIN.md").read_text(encoding="utf-8")


@pytest.fixture(params=["package", "single"], scope="module")
def sig(request, tmp_path_factory):
    """The sigv4 functions, from the package and from the built single file."""
    if request.param == "package":
        from ssm_env_wrapper import sigv4

        return sigv4
    import subprocess

    out = tmp_path_factory.mktemp("single")
    subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(out)], check=True, capture_output=True
    )
    spec = importlib.util.spec_from_file_location(
        "ssm_env_wrapper_sigv4_single", out / "ssm_env_wrapper.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_request(text: str) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    """A .req file: request line, ``Name:value`` headers (a line starting with white space
    continues the previous value), a blank line, the body."""
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    method, rest = lines[0].split(" ", 1)
    target = rest.rsplit(" ", 1)[0]  # drop " HTTP/1.1"; a path may hold spaces
    path, _, query = target.partition("?")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line)
        elif line:
            name, _, value = line.partition(":")
            headers.append((name, value))
    return method, path, query, headers, body.encode("utf-8")


def read(case: Path, suffix: str) -> str:
    return (case / f"{case.name}{suffix}").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(SUITE)) for c in CASES])
def test_every_step_of_every_case(sig, case):
    method, path, query, headers, body = parse_request(read(case, ".req"))
    if case.name == SESSION_CASE:
        headers.append(("X-Amz-Security-Token", SESSION_TOKEN))  # as sign() adds it
    canonical = sig.canonical_request(method, path, query, headers, sig.payload_hash(body))
    assert canonical == read(case, ".creq")
    scope = sig.credential_scope("20150830", REGION, SERVICE)
    to_sign = sig.string_to_sign("20150830T123600Z", scope, canonical)
    assert to_sign == read(case, ".sts")
    signature = sig.signature(sig.signing_key(SECRET, "20150830", REGION, SERVICE), to_sign)
    authorization = sig.authorization_header(
        ACCESS_KEY, scope, sig.signed_headers(headers), signature
    )
    assert authorization == read(case, ".authz")


def _signed_case(sig, case, token=None):
    """The suite's request ``case`` signed by ``sign()``, as a dict of its headers: the request's
    own X-Amz-Date (``sign()`` adds it) and security token (given as ``token``) left out."""
    method, path, query, headers, body = parse_request(read(case, ".req"))
    given_headers = [
        (k, v) for k, v in headers if k.lower() not in ("x-amz-date", "x-amz-security-token")
    ]
    signed = sig.sign(
        method,
        path,
        query,
        given_headers,
        body,
        access_key=ACCESS_KEY,
        secret_key=SECRET,
        token=token,
        region=REGION,
        service=SERVICE,
        timestamp=STAMP,
    )
    return dict(signed)


@pytest.mark.parametrize(
    "name",
    [
        "get-vanilla",
        "post-vanilla",
        "post-x-www-form-urlencoded",
        "get-vanilla-query-order-key-case",
        "post-header-key-sort",
    ],
)
def test_sign_end_to_end(sig, name):
    case = SUITE / name
    signed = _signed_case(sig, case)
    assert signed["Authorization"] == read(case, ".authz")
    assert signed["X-Amz-Date"] == "20150830T123600Z"


def test_sign_adds_and_signs_the_session_token(sig):
    case = SUITE / SESSION_CASE
    signed = _signed_case(sig, case, token=SESSION_TOKEN)
    assert signed["Authorization"] == read(case, ".authz")


def test_sign_with_a_session_token_header_given(sig):
    case = SUITE / "post-sts-token" / "post-sts-header-before"
    _, _, _, headers, _ = parse_request(read(case, ".req"))
    token = dict(headers)["X-Amz-Security-Token"]
    signed = _signed_case(sig, case, token=token)
    assert signed["Authorization"] == read(case, ".authz")
    assert signed["X-Amz-Security-Token"] == token


# ----------------------------------------------------------------------------- botocore
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)

_HEADER_VALUE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E) | st.just(" "), max_size=30
)


@settings(max_examples=200, deadline=None)
@given(
    operation=st.sampled_from(["GetParametersByPath", "GetParameters", "GetParameter"]),
    path=_TEXT,
    token=st.none() | st.text(min_size=1, max_size=60),
    recursive=st.booleans(),
    names=st.lists(_TEXT, max_size=10),
    region=st.sampled_from(
        ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "ap-southeast-7"]
    ),
    access_key=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=16, max_size=20),
    secret=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40),
    session=st.none()
    | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80),
    when=st.integers(
        calendar.timegm((2000, 1, 1, 0, 0, 0)), calendar.timegm((2099, 12, 31, 0, 0, 0))
    ),
    host=st.sampled_from(["ssm.us-east-1.amazonaws.com", "127.0.0.1:5000", "localhost:4566"]),
    extra=st.lists(
        st.tuples(st.sampled_from(["X-Custom", "X-Amz-Meta", "Accept"]), _HEADER_VALUE),
        max_size=3,
        unique_by=lambda h: h[0],
    ),
)
def test_signatures_equal_botocores_at_the_same_instant(
    operation, path, token, recursive, names, region, access_key, secret, session, when, host, extra
):
    import json
    from unittest import mock

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from ssm_env_wrapper import sigv4

    payload = {"Path": path, "Recursive": recursive, "WithDecryption": True, "Names": names}
    if token:
        payload["NextToken"] = token
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    headers = [
        ("Host", host),
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", f"AmazonSSM.{operation}"),
    ] + extra
    ours = dict(
        sigv4.sign(
            "POST",
            "/",
            "",
            headers,
            body,
            access_key=access_key,
            secret_key=secret,
            token=session,
            region=region,
            service="ssm",
            timestamp=when,
        )
    )

    request = AWSRequest(method="POST", url=f"https://{host}/", data=body, headers=dict(headers))
    instant = datetime.datetime.fromtimestamp(when, datetime.timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=instant):
        SigV4Auth(Credentials(access_key, secret, session), "ssm", region).add_auth(request)
    assert ours["Authorization"] == request.headers["Authorization"]
    assert ours["X-Amz-Date"] == request.headers["X-Amz-Date"]
