"""The start-up lines (tools/launcher.sh, the head of bin/wrapper, the single file and the layer)
under both shells a Lambda /bin/sh can be: bash (Amazon Linux) and dash (Debian).

The promise tested here: the command gets exactly the environment
the wrapper was given, plus what was loaded, minus the references resolved, plus
``SSM_ENV_ORIGINAL`` (what the loaded variables held before, for a later load); whichever path the
launcher takes (the shell's fast path or Python), and whatever the shell or CPython would change on
the way (dash drops names that are not identifiers, both shells set PWD, bash sets SHLVL and drops
``_``, CPython's C-locale coercion adds LC_CTYPE). The command is a small program that writes the
environment it was exec'd with, byte for byte, from /proc/self/environ.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, SECRET_KEY, SESSION_TOKEN, put
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SHELLS = [
    pytest.param(name, id=name) for name in ("bash", "dash")
]  # Amazon Linux's, Debian's /bin/sh

# The runtime stand-in: its environment exactly as the kernel handed it over (NUL-separated).
DUMP = [
    sys.executable,
    "-S",
    "-c",
    "import sys; sys.stdout.buffer.write(open('/proc/self/environ', 'rb').read())",
]
HIDDEN = (b"AWS_SECRET_ACCESS_KEY", b"AWS_SESSION_TOKEN")
PASSWORD = "pw-4Vq9-launcher-value"


def _shell(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # both are installed on the CI image; a bare machine says which one is missing
        pytest.skip(f"{name} is not installed")
    return path


def _dict(raw: bytes) -> dict[bytes, bytes]:
    entries = raw.split(b"\0")[:-1]
    pairs = dict(entry.split(b"=", 1) for entry in entries)
    assert len(pairs) == len(entries), "a name appears twice in the command's environment"
    return pairs


def _visible(environ: dict[bytes, bytes]) -> dict[bytes, bytes]:
    """The environment with the two credential values replaced (pytest prints both sides)."""
    return {k: (b"<hidden>" if k in HIDDEN else v) for k, v in environ.items()}


def run_dump(
    argv: list[str], environ: dict, cwd=None
) -> tuple[int, str, dict[bytes, bytes] | None]:
    """Run ``argv`` + the dump program; return the exit code, stderr and the command's
    environment (None when the command never started)."""
    proc = subprocess.run(argv + DUMP, env=environ, capture_output=True, timeout=60, cwd=cwd)
    err = proc.stderr.decode("utf-8", "replace")
    for secret in (SECRET_KEY, SESSION_TOKEN, PASSWORD):
        assert secret not in err, "a secret reached stderr"
    return proc.returncode, err, (_dict(proc.stdout) if proc.stdout else None)


def expect_exact(got: dict[bytes, bytes] | None, given: dict, **changed: str) -> None:
    want = {os.fsencode(k): os.fsencode(v) for k, v in given.items()}
    want.update({os.fsencode(k): os.fsencode(v) for k, v in changed.items()})
    assert got is not None, "the command did not start"
    assert all(got.get(k) == want.get(k) for k in HIDDEN), "credentials changed on the way"
    assert _visible(got) == _visible(want)


def recorded(**originals: str | None) -> str:
    """SSM_ENV_ORIGINAL as the wrapper writes it: what each variable it changed held before."""
    return json.dumps(originals, separators=(",", ":"), sort_keys=True)


@pytest.fixture
def bare(env):
    """The conftest environment without any locale variable: the C locale, where CPython coerces."""
    return {k: v for k, v in env.items() if k not in ("LC_ALL", "LANG", "LC_CTYPE")}


# --- defect 3: the fast path must not skip a reference, nor lose a variable ------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_reference_with_a_control_character_is_resolved(shell, wrapper, ssm, bare, tmp_path):
    # bash's `export -p` prints this value as $'ssm:/prod/db/password\n', which the old fast path
    # did not recognise: the runtime got the reference itself, and the wrapper exited 0.
    put(ssm, "/prod/db/password", PASSWORD, "SecureString")
    given = dict(bare, DB_PASSWORD="ssm:/prod/db/password\n", PLAIN="x")
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert code == 0, err
    expect_exact(
        got,
        given,
        DB_PASSWORD=PASSWORD,
        SSM_ENV_ORIGINAL=recorded(DB_PASSWORD="ssm:/prod/db/password\n"),
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_reference_in_a_name_that_is_not_an_identifier_is_resolved(
    shell, wrapper, ssm, bare, tmp_path
):
    # dash never imports `db.password` (not a shell name), so its old fast path dropped it; bash
    # passed the reference on literally. Python reads it from the environment as given.
    put(ssm, "/prod/db/password", PASSWORD, "SecureString")
    given = dict(bare, **{"db.password": "ssm:/prod/db/password", "my-setting": "kept as is"})
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert code == 0, err
    expect_exact(
        got,
        given,
        **{"db.password": PASSWORD},
        SSM_ENV_ORIGINAL=recorded(**{"db.password": "ssm:/prod/db/password"}),
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_names_that_are_not_identifiers_survive_the_fast_path(shell, wrapper, bare, tmp_path):
    given = dict(bare, **{"my.setting": "a=b", "with space": "x", "ÿ-name": "é"})
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert (code, err) == (0, "")
    expect_exact(got, given)


# --- a misspelt setting must reach Python, which names it --------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("APP_PARAM_PATH", "warn: APP_PARAM_PATH is not read; did you mean APP_PARAMS_PATH?"),
        ("app_params_path", "warn: app_params_path is not read; did you mean APP_PARAMS_PATH?"),
        (
            "AWS_ENDPOINT_URL_SMM",
            "warn: AWS_ENDPOINT_URL_SMM is not read; did you mean AWS_ENDPOINT_URL_SSM?",
        ),
    ],
    ids=["APP_PARAM_PATH", "app_params_path", "AWS_ENDPOINT_URL_SMM"],
)
def test_a_near_miss_alone_is_warned_about_and_the_command_runs(
    shell, name, line, wrapper, bare, tmp_path
):
    # Nothing else is configured, so the shell would find nothing to load and exec the command
    # itself, and the misspelt variable would go unnamed: such a name must reach Python.
    given = dict(bare, **{name: "/x"})
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert code == 0, err
    assert err.splitlines() == [f"ssm-env-wrapper: {line}"]
    expect_exact(got, given)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("name", "near"),
    [
        ("ssm_env_path", "SSM_ENV_PATHS"),
        ("SSM_EVN_PATHS", "SSM_ENV_PATHS"),
        ("SSMENV_PATHS", "SSM_ENV_PATHS"),
        ("SM_ENV_PATHS", "SSM_ENV_PATHS"),
        ("SS_MENV_PATHS", "SSM_ENV_PATHS"),
    ],
)
def test_an_unknown_setting_alone_stops_the_start(shell, name, near, wrapper, bare, tmp_path):
    # The prefix is the wrapper's in any case (a function's environment is case-sensitive, a
    # person typing it is not), and so is a name one edit from one of its names (the prefix
    # misspelt): Python refuses it, so the shell must not start the command.
    given = dict(bare, **{name: "/prod/myapp"})
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert (code, got) == (1, None)
    assert err.splitlines() == [f"ssm-env-wrapper: unknown setting {name}; did you mean {near}?"]


@pytest.mark.parametrize("shell", SHELLS)
def test_known_names_that_load_nothing_keep_the_fast_path(shell, built, bare, tmp_path):
    # A Lambda environment (AWS_* of Lambda's own, no APP_* or SSM_ENV_*), with the names the
    # wrapper reads that load nothing alone, spelt right: the shell execs the command, and a
    # python3 first on PATH that fails proves Python never started.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text("#!/bin/sh\nexit 99\n")
    (fake / "python3").chmod(0o755)
    given = dict(
        bare,
        PATH=f"{fake}:{bare['PATH']}",
        APP_ENV="prod",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:9",
        AWS_LAMBDA_FUNCTION_NAME="orders-fn",
        AWS_EXECUTION_ENV="AWS_Lambda_python3.13",
        _HANDLER="app.handler",
    )
    code, err, got = run_dump([_shell(shell), str(built["layer"])], given, cwd=tmp_path)
    assert (code, err) == (0, "")
    expect_exact(got, given)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("load", [False, True], ids=["nothing-to-load", "a-reference"])
def test_what_the_shell_manages_reaches_the_command_as_given(
    shell, load, wrapper, ssm, bare, tmp_path
):
    # Both shells set PWD to the working directory (and add it when absent), bash adds SHLVL and
    # drops `_`: none of that may reach the command, on either path.
    put(ssm, "/prod/db/password", PASSWORD, "SecureString")
    given = dict(bare, PWD="/nonexistent/stale", _="/opt/ssm-env-wrapper")
    if load:
        given["DB_PASSWORD"] = "ssm:/prod/db/password"
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert code == 0, err
    loaded = {
        "DB_PASSWORD": PASSWORD,
        "SSM_ENV_ORIGINAL": recorded(DB_PASSWORD="ssm:/prod/db/password"),
    }
    expect_exact(got, given, **(loaded if load else {}))
    # And without PWD or `_`, with SHLVL set: nothing added, nothing renumbered.
    given = dict(bare, SHLVL="07")
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert code == 0, err
    expect_exact(got, given)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("forged", ["PWD=/evil", "SHLVL=9", "_=/evil"], ids=["PWD", "SHLVL", "_"])
def test_a_line_break_in_a_value_adds_no_variable(shell, forged, wrapper, bare, tmp_path):
    # The fast path reads the environment a line an entry: a value holding a line break followed
    # by NAME=value looked like one more entry, and `env` put PWD, SHLVL or `_` back from it.
    given = dict(bare, NOTE=f"first line\n{forged}", PLAIN="x")
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert (code, err) == (0, "")
    expect_exact(got, given)


def _arg_max() -> int:
    return os.sysconf("SC_ARG_MAX")


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("load", [False, True], ids=["nothing-to-load", "a-reference"])
def test_a_large_environment_is_handed_over_whole(shell, load, wrapper, ssm, bare, tmp_path):
    # About 45% of ARG_MAX in values (each under MAX_ARG_STRLEN, 128 KiB): the handover to
    # Python must not need the environment twice over in variables (execve's E2BIG, exit 126).
    put(ssm, "/prod/db/password", PASSWORD, "SecureString")
    size = _arg_max() * 45 // 100
    count = size // (120 << 10) + 1
    given = dict(
        bare, **{f"BIG_{n}": chr(ord("a") + n % 26) * (size // count) for n in range(count)}
    )
    if load:
        given["DB_PASSWORD"] = "ssm:/prod/db/password"
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert (code, err.count("\n")) == (0, int(load)), err[:2000]
    loaded = (
        {
            "DB_PASSWORD": PASSWORD,
            "SSM_ENV_ORIGINAL": recorded(DB_PASSWORD="ssm:/prod/db/password"),
        }
        if load
        else {}
    )
    expect_exact(got, given, **loaded)


FDS = (
    "import json, os; print(json.dumps({fd: os.readlink(f'/proc/self/fd/{fd}') "
    "for fd in map(int, os.listdir('/proc/self/fd')) if fd > 2 and os.path.exists(f'/proc/self/fd/{fd}')}))"
)


@pytest.mark.parametrize("shell", SHELLS)
def test_the_handover_keeps_the_runtimes_descriptors_and_leaves_none(
    shell, wrapper, ssm, bare, tmp_path
):
    # Lambda hands its runtime descriptors (the telemetry log's, _LAMBDA_TELEMETRY_LOG_FD): the
    # handover takes a free one, and Python closes it before the runtime starts.
    put(ssm, "/prod/db/password", PASSWORD, "SecureString")
    given = dict(bare, DB_PASSWORD="ssm:/prod/db/password")
    kept = tmp_path / "telemetry"
    kept.write_text("")
    # A shell opens descriptor 9 on a file, then execs the wrapper as Lambda would.
    opener = [_shell(shell), "-c", 'exec 9<"$0"; exec "$@"', str(kept), _shell(shell)]
    proc = subprocess.run(
        opener + wrapper + [sys.executable, "-S", "-c", FDS],
        env=given,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"9": str(kept)}


@pytest.mark.parametrize(
    "name", ["true", "[", "tr", "printf", "command", "base64", "env", "python3"]
)
def test_an_imported_function_does_not_steer_the_launcher(name, built, bare, tmp_path):
    # bash imports functions from the environment (BASH_FUNC_name%%=...) even when it runs as
    # /bin/sh, as on Amazon Linux: a `tr` or `true` of the caller's could start the runtime
    # with its references unresolved. Run as sh (POSIX mode), where no function can replace a
    # special builtin such as `:` or `unset`.
    sh = tmp_path / "sh"
    sh.symlink_to(_shell("bash"))
    given = dict(
        bare,
        # A real python3 first: a pyenv shim is a bash script, which would run the function too.
        PATH=f"{_real_python_dir(built)}:/usr/bin:/bin",
        DB_PASSWORD="ssm:/prod/db/password",
        AWS_ACCESS_KEY_ID="",
        AWS_SECRET_ACCESS_KEY="",
        AWS_SESSION_TOKEN="",
        **{f"BASH_FUNC_{name}%%": "() { exec /usr/bin/printenv DB_PASSWORD; }"},
    )
    proc = subprocess.run(
        [str(sh), str(built["layer"]), "/usr/bin/printenv", "DB_PASSWORD"],
        env=given,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert "ssm:" not in proc.stdout, "the runtime started with a reference unresolved"
    assert proc.returncode == 1 and "no AWS credentials" in proc.stderr, proc.stderr


@pytest.mark.parametrize("options", ["xtrace", "verbose:xtrace", "allexport"])
def test_shell_options_from_the_environment_print_nothing_and_change_nothing(
    options, ssm, built, bare, tmp_path
):
    # bash imports SHELLOPTS (a name Lambda accepts) before the first line runs, even as sh:
    # xtrace printed every assignment, the whole environment and its base64 copy among them,
    # credentials included, to stderr (CloudWatch Logs). Whatever the options, the runtime gets
    # exactly its environment.
    put(ssm, "/prod/db/password", PASSWORD, "SecureString")
    sh = tmp_path / "sh"
    sh.symlink_to(_shell("bash"))
    for name in ("DB_PASSWORD", "PLAIN"):
        given = dict(bare, SHELLOPTS=options, **{name: "ssm:/prod/db/password"})
        if name == "PLAIN":  # nothing to load: the fast path
            given = dict(bare, SHELLOPTS=options, PLAIN="plain-value")
        code, err, got = run_dump([str(sh), str(built["layer"])], given, cwd=tmp_path)
        shown = SECRET_KEY in err or SESSION_TOKEN in err or PASSWORD in err
        assert not shown, "the shell's trace printed a secret"
        assert code == 0
        loaded = {"DB_PASSWORD": PASSWORD} if name == "DB_PASSWORD" else {}
        if loaded:
            loaded["SSM_ENV_ORIGINAL"] = recorded(DB_PASSWORD="ssm:/prod/db/password")
        expect_exact(got, given, **loaded)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("how", ["no-base64-on-PATH", "descriptors-3-to-9-open"])
def test_no_handover_on_linux_starts_nothing(shell, how, built, tmp_path):
    # Without the handover Python could only work from what the shell passed on: dash drops
    # `my.password=ssm:/...` (a reference never resolved) and both shells change PWD and more.
    only_python = tmp_path / "only-python"
    only_python.mkdir()
    (only_python / "python3").symlink_to(os.path.realpath(sys.executable))
    given = {
        "PATH": str(only_python) if how == "no-base64-on-PATH" else f"{only_python}:/usr/bin:/bin",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/c",
        "AWS_CONFIG_FILE": "/nonexistent/c",
        "my.password": "ssm:/prod/db/password",
    }
    pre = []
    if how == "descriptors-3-to-9-open":
        held = 'exec 3</dev/null 4<&3 5<&3 6<&3 7<&3 8<&3 9<&3; exec "$@"'
        pre = [_shell("bash"), "-c", held, "held"]
    code, err, got = run_dump(pre + [_shell(shell), str(built["layer"])], given, cwd=tmp_path)
    assert (code, got) == (1, None), err
    assert err.splitlines() == [
        "ssm-env-wrapper: cannot pass the environment on exactly (base64 on PATH and a free "
        "descriptor among 3 to 9 are needed)"
    ]


# Environments no `subprocess` call can make (execve takes any strings): run through ctypes.
RAW_EXEC = """import ctypes, json, sys
entries = [e.encode("utf-8", "surrogateescape") for e in json.loads(sys.argv[1])]
argv = [a.encode("utf-8", "surrogateescape") for a in sys.argv[2:]]
libc = ctypes.CDLL(None, use_errno=True)
libc.execve(argv[0], (ctypes.c_char_p * (len(argv) + 1))(*argv, None),
            (ctypes.c_char_p * (len(entries) + 1))(*entries, None))
sys.exit("execve failed: %d" % ctypes.get_errno())
"""


def run_raw(entries: list[str], argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", RAW_EXEC, json.dumps(entries)] + argv + DUMP,
        capture_output=True,
        timeout=60,
    )


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    "entry", ["NO_EQUALS_SIGN", "=no-name", ""], ids=["no-equals", "no-name", "empty"]
)
def test_an_entry_that_is_not_name_value_stops_the_start(shell, entry, built):
    # Both shells drop such an entry, and nothing that execs through putenv/execve with a mapping
    # can pass it on: starting the command without it would be starting it with less than given.
    path = os.environ.get("PATH", "/usr/bin:/bin")
    proc = run_raw([f"PATH={path}", entry, "OTHER=1"], [_shell(shell), str(built["layer"])])
    assert proc.returncode != 0 and proc.stdout == b""
    assert proc.stderr.decode().splitlines() == [
        "ssm-env-wrapper: the environment holds an entry that is not NAME=value, which cannot be "
        "passed on; start the wrapper with a clean environment"
    ]


@pytest.mark.parametrize("shell", SHELLS)
def test_a_name_given_twice_keeps_the_value_getenv_reads(shell, built):
    # getenv (so every runtime) reads the first; both shells would keep the last.
    path = os.environ.get("PATH", "/usr/bin:/bin")
    proc = run_raw(
        [f"PATH={path}", "TWICE=first", "TWICE=second"], [_shell(shell), str(built["layer"])]
    )
    assert proc.returncode == 0, proc.stderr
    assert _dict(proc.stdout) == {b"PATH": os.fsencode(path), b"TWICE": b"first"}


# --- defect 10: CPython's C-locale coercion must not add LC_CTYPE ----------------------------------


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    "locale",
    [{}, {"LANG": "C"}, {"LC_ALL": "C"}, {"LC_CTYPE": "C"}],
    ids=["unset", "LANG=C", "LC_ALL=C", "LC_CTYPE=C"],
)
def test_locale_coercion_does_not_reach_the_command(shell, locale, wrapper, ssm, bare, tmp_path):
    put(ssm, "/prod/db/password", PASSWORD, "SecureString")
    given = dict(bare, DB_PASSWORD="ssm:/prod/db/password", **locale)
    code, err, got = run_dump([_shell(shell)] + wrapper, given, cwd=tmp_path)
    assert code == 0, err
    expect_exact(
        got,
        given,
        DB_PASSWORD=PASSWORD,
        SSM_ENV_ORIGINAL=recorded(DB_PASSWORD="ssm:/prod/db/password"),
    )


@pytest.mark.parametrize("form", ["single", "console-script"])
def test_locale_coercion_without_a_shell(form, built, ssm, bare, tmp_path):
    # No shell in front: `python3 ssm_env_wrapper.py CMD` and the pip console script. Python itself
    # reads the environment it was started with (/proc/self/environ) and undoes the coercion.
    put(ssm, "/prod/db/password", PASSWORD, "SecureString")
    if form == "single":
        argv = [sys.executable, str(built["single"])]
    else:
        argv = [os.path.join(os.path.dirname(sys.executable), "ssm-env-wrapper")]
    given = dict(bare, DB_PASSWORD="ssm:/prod/db/password", _="/somewhere")
    code, err, got = run_dump(argv, given, cwd=tmp_path)
    assert code == 0, err
    expect_exact(
        got,
        given,
        DB_PASSWORD=PASSWORD,
        SSM_ENV_ORIGINAL=recorded(DB_PASSWORD="ssm:/prod/db/password"),
    )


# --- the property: never skip what Python would load, never lose a variable ------------------------

# Names: anything an environment can carry (no '=', no NUL, not empty), identifiers or not, and the
# names that matter to the launcher. Values: any bytes but NUL, and references in their disguises.
_NAME_CHARS = st.characters(blacklist_characters="=\0", blacklist_categories=("Cs",))
_NAMES = st.one_of(
    st.text(_NAME_CHARS, min_size=1, max_size=8),
    st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,6}\Z"),
    st.sampled_from(
        [
            "APP_PARAMS_PATH",
            "APP_ENV",
            "SSM_ENV_NAMES",
            "SSM_ENV_DISABLED",
            "PWD",
            "SHLVL",
            "_",
            "LC_CTYPE",
            "LC_ALL",
            "LANG",
            "AWS_MAX_ATTEMPTS",
            "DB",
            "IFS",
            "PPID",
            "OPTIND",
            "RANDOM",
            "SHELLOPTS",
            "OLDPWD",
            "_ssm_env_given_1",
        ]
    ),
)
_VALUES = st.one_of(
    st.binary(max_size=12).map(lambda b: b.replace(b"\0", b"")),
    st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(
        [
            "ssm:/p",
            "ssm:/p\n",
            "\nssm:/p",
            "SSM:/p",
            "x=ssm:/p",
            "ssm:",
            " ssm:/p",
            "ssm:/aws/reference/secretsmanager/s",
            "/p",
            "",
            " ",
            "true",
            "5",
            "0",
        ]
    ),
)


def _real_python_dir(built) -> str:
    """A directory beside the build whose python3 is the interpreter binary itself."""
    where = built["dir"] / "real-python"
    where.mkdir(exist_ok=True)  # the build is shared by the xdist workers
    try:
        (where / "python3").symlink_to(os.path.realpath(sys.executable))
    except FileExistsError:
        pass
    return str(where)


@pytest.mark.parametrize("shell", SHELLS)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extra=st.dictionaries(_NAMES, _VALUES, max_size=6))
def test_fast_path_never_skips_a_load_nor_loses_a_variable(shell, built, extra, tmp_path):
    from ssm_env_wrapper import Settings, SsmEnvError

    layer = str(built["dir"] / "opt" / "ssm-env-wrapper")
    # No region and no credentials: whatever goes to load fails before any request, so a start
    # that should have loaded never reaches the command.
    given_env: dict[bytes, bytes] = {
        # A real python3 first: a pyenv shim is itself a bash script, which the shell variables
        # drawn here (SHELLOPTS, CDPATH...) would steer; Lambda's python3 is a binary.
        b"PATH": os.fsencode(f"{_real_python_dir(built)}:/usr/bin:/bin"),
        b"AWS_SHARED_CREDENTIALS_FILE": b"/nonexistent/credentials",
        b"AWS_CONFIG_FILE": b"/nonexistent/config",
    }
    for name, value in extra.items():
        if name in ("PATH", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
            continue
        given_env[os.fsencode(name)] = value if isinstance(value, bytes) else os.fsencode(value)
    # What Python decides, in process, from the environment as its os.environ would hold it.
    as_text = {os.fsdecode(k): os.fsdecode(v) for k, v in given_env.items()}
    try:
        would_load = Settings.from_environ(as_text).has_sources
    except SsmEnvError:
        would_load = True  # a bad setting: Python refuses to start the command
    proc = subprocess.run(
        [_shell(shell), layer] + DUMP, env=given_env, capture_output=True, timeout=60, cwd=tmp_path
    )
    optind = given_env.get(b"OPTIND")
    if shell == "dash" and optind is not None and not optind.strip(b" ").isdigit():
        # dash validates OPTIND as it imports the environment and exits 2 ("Illegal number")
        # before it reads a line of the launcher: closed, the command never starts.
        assert proc.returncode == 2 and proc.stdout == b"", proc.stderr
    elif would_load:
        assert proc.returncode != 0 and proc.stdout == b"", "the command started without its load"
    else:
        assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
        assert _dict(proc.stdout) == given_env


@pytest.mark.parametrize("shell", SHELLS)
def test_the_environment_never_goes_on_a_command_line(shell, built, bare, tmp_path):
    # argv is public (ps, /proc/PID/cmdline, audit logs of execve); the environment is not. A
    # python3 first on PATH records the command line the launcher hands Python.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text(f"#!/bin/sh\nprintf '%s\\0' \"$@\" > {tmp_path}/argv\n")
    (fake / "python3").chmod(0o755)
    given = dict(
        bare, PATH=f"{fake}:{bare['PATH']}", DB_PASSWORD="ssm:/prod/db/password", PLAIN=PASSWORD
    )
    subprocess.run(
        [_shell(shell), str(built["layer"]), "/bin/true"],
        env=given,
        timeout=60,
        capture_output=True,
    )
    argv = (tmp_path / "argv").read_bytes().split(b"\0")[:-1]
    assert argv[:4] == [b"-I", b"-S", b"-B", b"-c"]
    # After the code: the file, the number of handover variables, the command. Nothing else.
    assert (
        argv[5] == os.fsencode(built["layer"]) and argv[6].isdigit() and argv[7:] == [b"/bin/true"]
    )


def test_start_up_lines_are_the_same_everywhere(built):
    launcher = (ROOT / "tools" / "launcher.sh").read_bytes()
    assert (ROOT / "bin" / "wrapper").read_bytes().startswith(launcher)
    # The built forms put their own head (comment lines: what, version, licence, how to rebuild)
    # in place of the launcher's shebang and licence line; the rest of the launcher follows as is.
    shebang, spdx, body = launcher.split(b"\n", 2)
    assert (shebang, spdx) == (b"#!/bin/sh", b"# SPDX-License-Identifier: Apache-2.0")
    for path in (built["single"], built["dir"] / "opt" / "ssm-env-wrapper"):
        head, found, _ = path.read_bytes().partition(body)
        assert found, path
        assert head.startswith(b"#!/bin/sh\n")
        assert all(line.startswith(b"#") for line in head.splitlines()), head


@pytest.mark.parametrize("value", ["", "x", "-1"])
def test_dash_refuses_a_non_numeric_optind_before_the_launcher_runs(built, bare, value, tmp_path):
    # Found by the property test: dash validates OPTIND while it imports the environment, so
    # such a start ends (exit 2) before the launcher's first line; the command never starts.
    # bash takes the same environment and the command sees OPTIND exactly as given.
    layer = str(built["dir"] / "opt" / "ssm-env-wrapper")
    env = dict(bare, OPTIND=value)
    proc = subprocess.run(
        [_shell("dash"), layer] + DUMP, env=env, capture_output=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 2 and proc.stdout == b""
    proc = subprocess.run(
        [_shell("bash"), layer] + DUMP, env=env, capture_output=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert _dict(proc.stdout)[b"OPTIND"] == value.encode()
