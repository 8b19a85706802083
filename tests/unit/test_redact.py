"""What may reach a log line or an error: every 12-character run of a secret masked, control characters escaped, bounded in time and memory."""

from __future__ import annotations

import json
import time

import pytest
from conftest import SECRET_KEY, SESSION_TOKEN
from redact_cases import RUN, assert_no_secret_runs


def test_the_redactor_stays_a_small_multiple_of_its_secrets():
    import random
    import string
    import tracemalloc

    from ssm_env_wrapper.redact import Redactor

    rnd = random.Random(7)
    secrets = ["".join(rnd.choices(string.ascii_letters, k=128 * 1024)) for _ in range(8)]
    secrets.append("a" * 128 * 1024)  # repetitive: one chunk many times
    total = sum(map(len, secrets))
    tracemalloc.start()
    try:
        redactor = Redactor(secrets)
        masked = redactor(f"echo {secrets[3][5000:5040]} and {secrets[-1][:20]} end")
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert masked == "echo *** and *** end"
    # The secrets themselves are the caller's; what the redactor adds stays within 3 times them
    # (its copy of each, and a filter of a few bits a character), its build within 6 times.
    assert current < 3 * total, current / total
    assert peak < 6 * total, peak / total


def test_masking_a_long_echo_of_secrets_stays_fast():
    from ssm_env_wrapper.redact import Redactor

    secret = "".join(chr(0x41 + (i * 7919) % 26) for i in range(64 * 1024))
    redactor = Redactor([secret])
    began = time.process_time()
    assert redactor(secret[:8192]) == "***"
    assert time.process_time() - began < 5.0  # linear, not quadratic (a generous bound)


# --- the redactor, as a unit -------------------------------------------------------------------
@pytest.fixture
def redactor():
    from ssm_env_wrapper.redact import Redactor

    return Redactor([SECRET_KEY, SESSION_TOKEN, "short-pw1", "tiny"])


@pytest.mark.parametrize(
    "piece",
    [
        SESSION_TOKEN[:20],
        SESSION_TOKEN[20:40],
        SESSION_TOKEN[-12:],
        SESSION_TOKEN,
        SECRET_KEY[:12],
        SECRET_KEY[15:35],
        SECRET_KEY[-20:],
        SECRET_KEY,
    ],
)
def test_every_run_of_twelve_characters_is_masked(redactor, piece):
    text = f"GetParameters failed ({piece}): no; content type text/{piece}"
    masked = redactor.redact(text)
    assert_no_secret_runs(masked, SECRET_KEY, SESSION_TOKEN)
    assert masked.startswith("GetParameters failed (***)")


def test_shorter_runs_and_other_text_are_kept(redactor):
    eleven = SECRET_KEY[3:14]
    text = f"GetParameters /prod/app failed: {eleven} and tiny and short-pw"
    assert redactor.redact(text) == text


def test_a_short_secret_is_masked_whole(redactor):
    assert redactor.redact("value short-pw1 echoed") == "value *** echoed"


def test_overlapping_and_adjacent_runs_become_one_mask(redactor):
    text = "x" + SECRET_KEY[:20] + SESSION_TOKEN[:30] + "y"
    assert redactor.redact(text) == "x***y"


def test_the_escaped_form_of_a_secret_is_masked_too():
    from ssm_env_wrapper.redact import Redactor, printable

    secret = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----"
    redactor = Redactor([secret])
    assert_no_secret_runs(redactor.redact(printable("echo: " + secret)), printable(secret))
    assert_no_secret_runs(redactor.redact("echo: " + secret), secret)


def test_the_redactor_never_shows_its_secrets(redactor):
    assert SECRET_KEY not in repr(redactor) and len(redactor) == 3


@pytest.mark.parametrize(
    "char, escaped",
    [
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\x1b", "\\x1b"),
        ("\x7f", "\\x7f"),
        ("\x85", "\\x85"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\u200b", "\\u200b"),
        ("\ufeff", "\\ufeff"),
        ("\udcff", "\\udcff"),
    ],
)
def test_printable_escapes_what_could_forge_or_hide_a_line(char, escaped):
    from ssm_env_wrapper.redact import printable

    assert printable(f"a{char}b") == f"a{escaped}b"
    assert printable(printable(f"a{char}b")) == f"a{escaped}b"  # idempotent
    assert printable("plain é ü 日本 ok") == "plain é ü 日本 ok"


def test_an_error_message_is_one_printable_line():
    from ssm_env_wrapper.errors import SsmEnvError

    assert (
        str(SsmEnvError("parameter /p#k\nssm-env-wrapper: forged"))
        == "parameter /p#k\\nssm-env-wrapper: forged"
    )


# --- the rule, against a brute force ----------------------------------------------------------
def _brute_force(text: str, secrets: list[str]) -> str:
    """The rule, written the slow and obvious way: mark every window of 12 characters that is a
    run of a secret (short secrets: every whole occurrence), one *** per marked stretch."""
    cover = [False] * len(text)
    for secret in secrets:
        if len(secret) >= RUN:
            starts = [at for at in range(len(text) - RUN + 1) if text[at : at + RUN] in secret]
            size = RUN
        elif len(secret) >= 8:
            starts = [at for at in range(len(text)) if text.startswith(secret, at)]
            size = len(secret)
        else:
            continue
        for at in starts:
            cover[at : at + size] = [True] * size
    out, at = [], 0
    while at < len(text):
        if cover[at]:
            while at < len(text) and cover[at]:
                at += 1
            out.append("***")
        else:
            out.append(text[at])
            at += 1
    return "".join(out)


def test_the_redactor_applies_the_rule_exactly():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ssm_env_wrapper.redact import Redactor

    # Small alphabets make repetitions, overlaps and near misses common.
    alphabet = st.sampled_from(["ab", "abc", "abcdefxyz"])

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(
        alphabet.flatmap(
            lambda a: st.tuples(
                st.lists(st.text(a, min_size=5, max_size=40), min_size=1, max_size=4),
                st.text(a + " ", max_size=60),
                st.integers(0, 40),
                st.integers(0, 60),
            )
        )
    )
    def check(case):
        secrets, text, cut, at = case
        secret = secrets[0]
        text = text[:at] + secret[cut % len(secret) :] + text[at:]  # plant a run (or a tail)
        assert Redactor(secrets).redact(text) == _brute_force(text, secrets)

    check()


@pytest.mark.parametrize(
    "loaded",
    [
        '", "level": "ERROR", "message": "',  # masked in the encoded line: the level went with it
        '", "level',  # the line was no longer JSON
        "zzzzzzz\\",  # ate a backslash of an escaped \\n: a real line break in the message
    ],
    ids=["drops-the-level", "breaks-the-json", "unescapes-a-line-break"],
)
def test_a_loaded_value_cannot_rewrite_a_json_log_line(loaded):
    # Every loaded value is a secret of the log's; JSON syntax that equals one must stay syntax.
    import io

    from ssm_env_wrapper.log import Log

    log = Log("info", json_format=True, stream=io.StringIO())
    log.secrets += [loaded]
    log.error("GetParameters failed: zzzzzzz\nssm-env-wrapper: forged", error="AwsApiError")
    line = log.stream.getvalue()
    record = json.loads(line)
    assert line.count("\n") == 1 and record["level"] == "ERROR"
    assert record["error"] == "AwsApiError" and "\n" not in record["message"]


def test_the_log_knows_the_environments_secrets_before_any_request():
    import io

    from ssm_env_wrapper.log import Log

    token = "containerAuthToken-0123456789abcdefXYZ"
    log = Log.from_environ(
        {
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": token,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
        }
    )
    log.stream = io.StringIO()
    log.error(
        f"provider said: bad header {token[5:25]}\n{SESSION_TOKEN[30:50]}",
        unset=["X\u2028not-a-secret-of-this-log"],
    )
    line = log.stream.getvalue()
    assert line.count("\n") == 1 and "\u2028" not in line
    assert json.loads(line)["message"] == "provider said: bad header ***\\n***"
    assert_no_secret_runs(line, token, SESSION_TOKEN)
    assert json.loads(line)["unset"] == ["X\\u2028not-a-secret-of-this-log"]  # fields escaped too
