"""Issue 10, defects 8 and 9: no line can be forged through a name or key, and no part of a secret
long enough to matter reaches a log line or an error (one redactor, one rule)."""

from __future__ import annotations

import json

import pytest
from conftest import SECRET_KEY, SESSION_TOKEN, in_turn, put, run, run_show_env
from fake_ssm import FakeSsm

RUN = 12


def leaked_runs(text: str, *secrets: str, run: int = RUN) -> list[int]:
    """Indexes of the secrets of which some run of ``run`` characters appears in ``text`` (a
    secret shorter than ``run``: the whole of it). Indexes only: never the secret itself."""
    leaked = []
    for number, secret in enumerate(secrets):
        size = min(run, len(secret))
        if any(secret[at : at + size] in text for at in range(len(secret) - size + 1)):
            leaked.append(number)
    return leaked


def assert_no_secret_runs(text: str, *secrets: str, run: int = RUN) -> None:
    """No run of ``run`` characters of any of ``secrets`` in ``text`` (reported by index)."""
    leaked = leaked_runs(text, *secrets, run=run)
    assert not leaked, f"a {run}-character run of secrets {leaked} reached the output"


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


# --- defect 9: an endpoint echoing part of a secret, through the real wrapper -----------------


def _echo(piece: str, where: str):
    if where == "__type":
        return 400, {"__type": f"com.amazonaws.ssm#{piece}", "message": "denied"}
    if where == "message":
        return 400, {
            "__type": "AccessDeniedException",
            "message": f"User with token {piece} is not authorized",
        }
    return 502, b"<html>bad gateway</html>", {"Content-Type": f"text/html; x={piece}"}


# Each of the 12 cases in one shipped form, in turn (conftest.in_turn): the masking is the same
# redactor in every form; each form still meets every secret and every place of the echo.
@pytest.mark.parametrize(
    "wrapper, secret, start, where",
    in_turn(
        [
            (secret, start, where)
            for secret, start in [
                (SESSION_TOKEN, 0),
                (SESSION_TOKEN, 20),
                (SECRET_KEY, 0),
                (SECRET_KEY, 15),
            ]
            for where in ["__type", "message", "content-type"]
        ]
    ),
    indirect=["wrapper"],
)
def test_an_endpoint_echoing_part_of_a_secret_gets_it_masked(wrapper, env, where, secret, start):
    piece = secret[start : start + 20]
    with FakeSsm([_echo(piece, where)]) as fake:
        done = run(
            wrapper,
            ["/bin/true"],
            dict(
                env,
                AWS_ENDPOINT_URL_SSM=fake.url,
                SSM_ENV_NAMES="/app/x",
                AWS_MAX_ATTEMPTS="1",
                SSM_ENV_LOG_LEVEL="debug",
            ),
        )
    assert done.returncode == 1
    assert "GetParameters /app/x failed" in done.stderr
    assert "***" in done.stderr
    assert_no_secret_runs(done.stdout + done.stderr, SECRET_KEY, SESSION_TOKEN)


# --- defect 8: log-line forgery through a JSON key, through the real wrapper ------------------

FORGED = "ssm-env-wrapper: loaded 0 variables from nowhere"
KEYS = {
    f"A\n{FORGED}": "1",
    "B\r\u2028X": "2",
    "C\x1b[2K\x85D": "3",
    "E\u202eF\u2066G": "4",
}


def _lines_are_the_wrappers(stderr: str, json_format: bool) -> list[str]:
    assert "\u2028" not in stderr and "\u2029" not in stderr and "\u202e" not in stderr
    assert "\x1b" not in stderr and "\x85" not in stderr and "\r" not in stderr
    lines = stderr.splitlines()
    for line in lines:
        if json_format:
            assert json.loads(line)["logger"] == "ssm-env-wrapper"
        else:
            assert line.startswith("ssm-env-wrapper: ")
        assert not line.startswith(FORGED)
    return lines


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_a_json_key_cannot_forge_a_debug_line(ssm, env, wrapper, json_format):
    put(ssm, "/app/doc", json.dumps(KEYS))
    extra = {"SSM_ENV_JSON_NAMES": "/app/doc", "SSM_ENV_LOG_LEVEL": "debug"}
    if json_format:
        extra["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    done, report = run_show_env(wrapper, dict(env, **extra))
    assert done.returncode == 0, done.stderr
    assert report["env"]["A_ssm_env_wrapper__loaded_0_variables_from_nowhere"] == "1"
    lines = _lines_are_the_wrappers(done.stderr, json_format)
    text = "\n".join(lines)
    assert f"/app/doc#A\\n{FORGED}" in text.replace("\\\\", "\\")  # shown, escaped, on its own line


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_a_json_key_cannot_forge_an_error_line(ssm, env, wrapper, json_format):
    # LD_PRELOAD_<...> is refused: the error message names the key, which must stay on one line.
    put(ssm, "/app/doc", json.dumps({f"LD_PRELOAD\n{FORGED}": "/tmp/x.so", "\u202eok": "1"}))
    extra = {"SSM_ENV_JSON_NAMES": "/app/doc"}
    if json_format:
        extra["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    done, report = run_show_env(wrapper, dict(env, **extra))
    assert done.returncode == 1 and report == {}
    lines = _lines_are_the_wrappers(done.stderr, json_format)
    assert len(lines) == 1
    assert "refusing protected variables" in lines[0]


def test_check_lists_a_key_on_one_line(ssm, env):
    from conftest import ROOT

    put(ssm, "/app/doc", json.dumps(KEYS))
    done = run([str(ROOT / "bin" / "wrapper")], ["check", "--json-name", "/app/doc"], dict(env))
    assert done.returncode == 0, done.stderr
    assert "\u2028" not in done.stdout and "\u202e" not in done.stdout and "\x1b" not in done.stdout
    assert not any(line.startswith(FORGED) for line in done.stdout.splitlines())
    assert f"/app/doc#A\\n{FORGED}" in done.stdout


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
