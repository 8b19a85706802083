"""Values as files (SSM_ENV_FILES, SSM_ENV_FILES_DIR) and versions on record, against moto, through
the wrapper as a real subprocess in its three shipped forms."""

from __future__ import annotations

import base64
import os
import stat
import subprocess

import pytest
from conftest import assert_no_secrets, put, run, run_show_env

# Distinctive contents: a test asserts none reaches the environment or the output.
TLS_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQ-DoNotPrint-key-7c1f\n-----END PRIVATE KEY-----"
CERT = "-----BEGIN CERTIFICATE-----\nMIIDdz-DoNotPrint-cert-4a9e\n-----END CERTIFICATE-----\n"
CA = "ca-bundle-DoNotPrint-0b3d"
KEYSTORE = b"\x00\x01\xfe\xffkeystore-DoNotPrint-\n\r\x00" + bytes(range(256))


@pytest.fixture
def files_env(env, moto_url, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    return dict(env, AWS_ENDPOINT_URL_SECRETS_MANAGER=moto_url, SSM_ENV_FILES_DIR=str(root))


def _no_value_anywhere(proc: subprocess.CompletedProcess, report: dict) -> None:
    assert_no_secrets(proc, TLS_KEY, CERT, CA, "DoNotPrint", base64.b64encode(KEYSTORE).decode())
    environment = "\n".join(f"{k}={v}" for k, v in report.get("env", {}).items())
    assert "DoNotPrint" not in environment


def test_parameters_and_secrets_become_files_in_every_shipped_form(ssm, sm, files_env, wrapper):
    root = files_env["SSM_ENV_FILES_DIR"]
    put(ssm, "/prod/tls/key", TLS_KEY, "SecureString")
    put(ssm, "/prod/app/CA_BUNDLE", CA)
    put(ssm, "/prod/app/PLAIN", "plain-value")
    sm.create_secret(Name="prod/keystore", SecretBinary=KEYSTORE)
    sm.create_secret(Name="prod/cert", SecretString=CERT)
    proc, report = run_show_env(
        wrapper,
        dict(
            files_env,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_NAMES="TLS_KEY=/prod/tls/key",
            SSM_ENV_SECRETS="KEYSTORE=prod/keystore",
            TLS_CERT="secretsmanager:prod/cert",
            SSM_ENV_FILES=f"TLS_KEY,KEYSTORE=jks/app.jks,TLS_CERT={root}/certs/server.pem,CA_BUNDLE",
            SSM_ENV_LOG_LEVEL="debug",
        ),
    )
    assert proc.returncode == 0, proc.stderr
    got = report["env"]
    expected = {
        "TLS_KEY": (f"{root}/TLS_KEY", TLS_KEY.encode()),  # as stored: no newline added
        "KEYSTORE": (f"{root}/jks/app.jks", KEYSTORE),  # SecretBinary's exact bytes
        "TLS_CERT": (f"{root}/certs/server.pem", CERT.encode()),
        "CA_BUNDLE": (f"{root}/CA_BUNDLE", CA.encode()),
    }
    for variable, (path, content) in expected.items():
        assert got[variable] == path
        with open(path, "rb") as file:
            assert file.read() == content, variable
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert got["PLAIN"] == "plain-value"
    # Only the files: no temporary file left behind, new directories private.
    assert sorted(os.listdir(root)) == ["CA_BUNDLE", "TLS_KEY", "certs", "jks"]
    assert stat.S_IMODE(os.lstat(f"{root}/jks").st_mode) == 0o700
    assert "4 files written" in proc.stderr
    assert f"TLS_KEY: wrote {root}/TLS_KEY (mode 0600)" in proc.stderr
    _no_value_anywhere(proc, report)


def test_a_binary_secret_for_a_variable_stays_an_error_naming_the_way_out(sm, files_env, wrapper):
    sm.create_secret(Name="prod/keystore", SecretBinary=KEYSTORE)
    proc, report = run_show_env(wrapper, dict(files_env, SSM_ENV_SECRETS="KS=prod/keystore"))
    assert proc.returncode == 1 and not report
    assert "holds SecretBinary, not SecretString" in proc.stderr
    assert "SSM_ENV_FILES=KS" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    _no_value_anywhere(proc, report)


def _refused(wrapper, files_env, ssm, files: str, expect: str) -> subprocess.CompletedProcess:
    put(ssm, "/prod/tls/key", TLS_KEY, "SecureString")
    proc, report = run_show_env(
        wrapper, dict(files_env, SSM_ENV_NAMES="TLS_KEY=/prod/tls/key", SSM_ENV_FILES=files)
    )
    assert proc.returncode == 1 and not report, proc.stderr  # the runtime never started
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0], proc.stderr
    _no_value_anywhere(proc, report)
    return proc


@pytest.mark.parametrize(
    "item, expect",
    [
        ("TLS_KEY=../escape", "'..'"),
        ("TLS_KEY=a/../../escape", "'..'"),
        ("TLS_KEY=/etc/tls.key", "is outside SSM_ENV_FILES_DIR"),
        ("TLS_KEY=a//b", "not a valid file path"),
        ("TLS_KEY=a b", "not a valid file path"),
        ("1X=a", "not a variable name"),
    ],
)
def test_paths_outside_the_root_are_refused(ssm, files_env, wrapper, item, expect):
    proc = _refused(wrapper, files_env, ssm, item, expect)
    assert "SSM_ENV_FILES" in proc.stderr
    assert os.listdir(files_env["SSM_ENV_FILES_DIR"]) == []


def test_a_symlink_at_the_target_is_refused_and_never_followed(ssm, files_env, wrapper, tmp_path):
    root = files_env["SSM_ENV_FILES_DIR"]
    victim = tmp_path / "victim"
    victim.write_bytes(b"untouched")
    os.symlink(victim, f"{root}/TLS_KEY")
    _refused(wrapper, files_env, ssm, "TLS_KEY", "is a symlink")
    assert victim.read_bytes() == b"untouched"
    assert os.path.islink(f"{root}/TLS_KEY") and len(os.listdir(root)) == 1


def test_a_symlink_on_the_way_is_refused(ssm, files_env, wrapper, tmp_path):
    root = files_env["SSM_ENV_FILES_DIR"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.makedirs(f"{root}/a")
    os.symlink(elsewhere, f"{root}/a/certs")
    proc = _refused(wrapper, files_env, ssm, "TLS_KEY=a/certs/key.pem", "symlink")
    assert f"{root}/a/certs is a symlink" in proc.stderr
    assert os.listdir(elsewhere) == []


def test_a_directory_on_the_way_that_others_can_write_is_refused(ssm, files_env, wrapper):
    # Whoever can write a directory can rename the file in it and put theirs in its place (a
    # certificate or CA bundle of their choosing): a shared /tmp/certs made 0777 by another user.
    root = files_env["SSM_ENV_FILES_DIR"]
    os.makedirs(f"{root}/certs")
    os.chmod(f"{root}/certs", 0o777)
    proc = _refused(wrapper, files_env, ssm, "TLS_KEY=certs/key.pem", "writable by")
    assert f"{root}/certs is writable by others" in proc.stderr
    assert os.listdir(f"{root}/certs") == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_a_directory_on_the_way_that_another_user_owns_is_refused(ssm, files_env, wrapper):
    root = files_env["SSM_ENV_FILES_DIR"]
    os.makedirs(f"{root}/certs", mode=0o755)
    os.chown(f"{root}/certs", 65534, 65534)  # nobody
    proc = _refused(wrapper, files_env, ssm, "TLS_KEY=certs/key.pem", "belongs to")
    assert f"{root}/certs belongs to another user (uid 65534)" in proc.stderr
    assert os.listdir(f"{root}/certs") == []


def test_a_symlinked_root_is_refused(ssm, files_env, wrapper, tmp_path):
    link = tmp_path / "link"
    os.symlink(files_env["SSM_ENV_FILES_DIR"], link)
    _refused(wrapper, dict(files_env, SSM_ENV_FILES_DIR=str(link)), ssm, "TLS_KEY", "not a symlink")
    assert os.listdir(files_env["SSM_ENV_FILES_DIR"]) == []


def test_an_existing_file_is_replaced_whole_never_written_in_place(
    ssm, files_env, wrapper, tmp_path
):
    root = files_env["SSM_ENV_FILES_DIR"]
    target = f"{root}/TLS_KEY"
    with open(target, "wb") as file:
        file.write(b"old content")
    os.chmod(target, 0o644)
    os.link(target, tmp_path / "hardlink")  # a write in place would show through this link
    put(ssm, "/prod/tls/key", TLS_KEY, "SecureString")
    proc, report = run_show_env(
        wrapper, dict(files_env, SSM_ENV_NAMES="TLS_KEY=/prod/tls/key", SSM_ENV_FILES="TLS_KEY")
    )
    assert proc.returncode == 0, proc.stderr
    with open(target, "rb") as file:
        assert file.read() == TLS_KEY.encode()
    assert stat.S_IMODE(os.lstat(target).st_mode) == 0o600
    assert (tmp_path / "hardlink").read_bytes() == b"old content"
    assert os.listdir(root) == ["TLS_KEY"]
    _no_value_anywhere(proc, report)


def test_the_protected_name_guard_applies_to_the_variable_that_gets_the_path(
    ssm, files_env, wrapper
):
    put(ssm, "/prod/tls/key", TLS_KEY, "SecureString")
    proc, report = run_show_env(
        wrapper,
        dict(
            files_env,
            SSM_ENV_NAMES="LD_PRELOAD=/prod/tls/key",
            SSM_ENV_FILES="LD_PRELOAD",
        ),
    )
    assert proc.returncode == 1 and not report
    assert "would set LD_PRELOAD" in proc.stderr
    assert os.listdir(files_env["SSM_ENV_FILES_DIR"]) == []  # nothing written either
    _no_value_anywhere(proc, report)


def test_the_snapstart_refresh_rewrites_the_files(ssm, sm, files_env, api):
    root = files_env["SSM_ENV_FILES_DIR"]
    put(ssm, "/prod/tls/key", "before-restore-DoNotPrint", "SecureString")
    sm.create_secret(Name="prod/keystore", SecretBinary=b"\x00before")
    environ = dict(
        files_env,
        SSM_ENV_NAMES="TLS_KEY=/prod/tls/key",
        SSM_ENV_SECRETS="KEYSTORE=prod/keystore",
        SSM_ENV_FILES="TLS_KEY,KEYSTORE",
    )
    api.apply_environment(environ)  # init
    put(ssm, "/prod/tls/key", TLS_KEY, "SecureString")
    sm.put_secret_value(SecretId="prod/keystore", SecretBinary=KEYSTORE)
    result = api.apply_environment(environ)  # after restore
    assert (environ["TLS_KEY"], environ["KEYSTORE"]) == (f"{root}/TLS_KEY", f"{root}/KEYSTORE")
    with open(f"{root}/TLS_KEY", "rb") as key, open(f"{root}/KEYSTORE", "rb") as keystore:
        assert (key.read(), keystore.read()) == (TLS_KEY.encode(), KEYSTORE)
    assert sorted(os.listdir(root)) == ["KEYSTORE", "TLS_KEY"]
    assert "DoNotPrint" not in repr(result) + repr(result.files)


def test_check_shows_the_files_and_writes_none(ssm, files_env, wrapper):
    root = files_env["SSM_ENV_FILES_DIR"]
    put(ssm, "/prod/tls/key", TLS_KEY, "SecureString")
    proc = run(
        wrapper,
        ["check"],
        dict(files_env, SSM_ENV_NAMES="TLS_KEY=/prod/tls/key", SSM_ENV_FILES="TLS_KEY"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"TLS_KEY  <- /prod/tls/key (file {root}/TLS_KEY)" in proc.stdout
    assert os.listdir(root) == []
    assert_no_secrets(proc, TLS_KEY)


# ---------------------------------------------------------------------------- versions on record


@pytest.fixture
def versioned(ssm, sm):
    """/prod/app/DB_HOST at version 2, /prod/db/password:1 by name, prod/db at its second
    version; returns (the current secret version id, the previous one)."""
    put(ssm, "/prod/app/DB_HOST", "db-host-DoNotPrint-1")
    put(ssm, "/prod/app/DB_HOST", "db-host-DoNotPrint-2")
    put(ssm, "/prod/db/password", "db-password-DoNotPrint-1", "SecureString")
    first = sm.create_secret(Name="prod/db", SecretString='{"user": "u-DoNotPrint-1"}')
    second = sm.put_secret_value(SecretId="prod/db", SecretString='{"user": "u-DoNotPrint-2"}')
    return second["VersionId"], first["VersionId"]


def _versioned_env(files_env):
    return dict(
        files_env,
        SSM_ENV_PATHS="/prod/app",
        SSM_ENV_NAMES="PW=/prod/db/password:1",
        SSM_ENV_SECRETS="USER=prod/db:user,OLD_USER=prod/db:user:AWSPREVIOUS",
    )


def test_check_lists_every_version_and_no_value(versioned, files_env, wrapper):
    current, previous = versioned
    proc = run(wrapper, ["check"], _versioned_env(files_env))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "versions (4):" in proc.stdout
    for line in (
        "  /prod/app/DB_HOST version 2\n",
        "  /prod/db/password:1 version 1\n",
        f"  secretsmanager:prod/db version {current} (AWSCURRENT)\n",
        f"  secretsmanager:prod/db::AWSPREVIOUS version {previous} (AWSPREVIOUS)\n",
    ):
        assert line in proc.stdout
    assert "DoNotPrint" not in proc.stdout + proc.stderr


def test_the_debug_log_lists_every_version_and_the_info_line_counts_them(
    versioned, files_env, wrapper
):
    current, _ = versioned
    proc, report = run_show_env(wrapper, dict(_versioned_env(files_env), SSM_ENV_LOG_LEVEL="debug"))
    assert proc.returncode == 0, proc.stderr
    assert "version: /prod/app/DB_HOST version 2" in proc.stderr
    assert f"version: secretsmanager:prod/db version {current} (AWSCURRENT)" in proc.stderr
    assert "(4 requests), 4 versions recorded" in proc.stderr
    assert "DoNotPrint" not in proc.stderr
    assert report["env"]["USER"] == "u-DoNotPrint-2"

    proc, _ = run_show_env(wrapper, dict(_versioned_env(files_env), AWS_LAMBDA_LOG_FORMAT="JSON"))
    assert '"versions": 4' in proc.stderr and "DoNotPrint" not in proc.stderr


def test_the_api_exposes_the_versions(versioned, files_env, api):
    current, previous = versioned
    environ = _versioned_env(files_env)
    result = api.load(api.Settings.from_environ(environ), environ)
    assert [(r.source, r.version, r.stages) for r in result.versions] == [
        ("/prod/app/DB_HOST", "2", ()),
        ("/prod/db/password:1", "1", ()),
        ("secretsmanager:prod/db", current, ("AWSCURRENT",)),
        ("secretsmanager:prod/db::AWSPREVIOUS", previous, ("AWSPREVIOUS",)),
    ]
    assert "DoNotPrint" not in repr(result.versions)


def test_a_version_that_echoes_a_value_is_masked_in_check_and_the_log(files_env, wrapper):
    from conftest import REGION
    from fake_ssm import ACCOUNT, FakeSsm, send

    value = "versionDoNotPrint0123456789abcdef"  # only characters a version id may hold

    def answer(handler, request):
        entry = {
            "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/db-AbCdEf",
            "Name": "prod/db",
            "SecretString": value,
            "VersionId": value,
            "VersionStages": ["AWSCURRENT", value],
        }
        send(handler, 200, entry)

    with FakeSsm([answer]) as fake:
        environ = dict(
            files_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url, SSM_ENV_SECRETS="DB=prod/db"
        )
        checked = run(wrapper, ["check"], environ)
        started = run(wrapper, ["true"], dict(environ, SSM_ENV_LOG_LEVEL="debug"))
    assert checked.returncode == 0 and started.returncode == 0, checked.stderr + started.stderr
    assert "secretsmanager:prod/db version " in checked.stdout
    assert "version: secretsmanager:prod/db version " in started.stderr
    assert_no_secrets(checked, value)
    assert_no_secrets(started, value)
