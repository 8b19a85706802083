"""Shared fixtures: a real moto server on loopback, the three shipped forms of the wrapper, and
helpers that run the wrapper as a real subprocess and check that no secret leaks."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import socket
import ssl
import subprocess
import sys
import textwrap
import urllib.request
import zipfile
from urllib.parse import urlsplit

import pytest
from fake_ssm import ConnectProxy, TlsRelay

from ssm_env_wrapper import Credentials

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
SHOW_ENV = pathlib.Path(__file__).resolve().parent / "show_env.py"

# Distinctive credentials: a test asserts these never appear in anything the wrapper prints.
ACCESS_KEY = "AKIATESTWRAPPER00001"
SECRET_KEY = "wrapperSecretKey/DoNotPrint+q9Zl3xW7mK2vB8nC4"
SESSION_TOKEN = "wrapperSessionToken//DoNotPrint+FQoGZXIvYXdzEJr" + "x" * 40
REGION = "us-east-1"

sys.path.insert(0, str(SRC))


@pytest.fixture(scope="session")
def moto_url():
    """A moto server in this process, listening on 127.0.0.1 on a free port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def moto_reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture
def ssm(moto_url):
    """A boto3 SSM client on a freshly reset moto server, to put parameters in."""
    import boto3

    moto_reset(moto_url)
    return boto3.client(
        "ssm",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def sm(moto_url, ssm):
    """A boto3 Secrets Manager client on the same (freshly reset: ``ssm``) moto server."""
    import boto3

    return boto3.client(
        "secretsmanager",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def sm_env(env, moto_url):
    """``env`` with Secrets Manager's endpoint on the same moto server."""
    return dict(env, AWS_ENDPOINT_URL_SECRETS_MANAGER=moto_url)


def put(ssm, name: str, value: str, kind: str = "String") -> None:
    ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)


class Env(dict):
    """An environment whose repr hides the credentials (pytest prints fixtures on failures)."""

    def __repr__(self) -> str:
        return repr(
            {
                k: ("<hidden>" if k in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN") else v)
                for k, v in self.items()
            }
        )


@pytest.fixture(scope="session")
def real_python(tmp_path_factory) -> str:
    """A directory whose ``python3`` is the interpreter binary itself, first on the wrapper's
    PATH: as on Lambda, where ``python3`` is a binary. A version manager's ``python3`` (pyenv's
    shim is a bash script) would add tens of milliseconds to every start the tests make."""
    where = tmp_path_factory.mktemp("real-python")
    (where / "python3").symlink_to(os.path.realpath(sys.executable))
    return str(where)


@pytest.fixture
def env(moto_url, real_python):
    """A minimal environment for the wrapper: credentials, region and the local endpoint."""
    return Env(
        {
            "PATH": f"{real_python}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL_SSM": moto_url,
            "LC_ALL": "C.UTF-8",
            # Never this machine's own ~/.aws/credentials or ~/.aws/config.
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/ssm-env-wrapper-tests/credentials",
            "AWS_CONFIG_FILE": "/nonexistent/ssm-env-wrapper-tests/config",
        }
    )


@pytest.fixture
def bare_env(env):
    """The test environment without credentials in it (region and endpoint stay)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name)
    return env


@pytest.fixture(scope="session")
def tls_ca():
    """A test certificate authority (trustme): tests issue their own certificates from it."""
    import trustme

    return trustme.CA()


def free_port() -> int:
    """A port that was free a moment ago: nobody listens there (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _build_into(out: pathlib.Path, started: subprocess.Popen | None = None) -> None:
    """build_layer.sh into ``out`` (or wait for ``started``, that build), then the layer unpacked
    under ``out/opt`` as Lambda unpacks it; ``out/.complete`` marks a finished build."""
    out.mkdir(exist_ok=True)
    if started is None:
        subprocess.run(
            ["bash", str(ROOT / "build_layer.sh"), str(out)], check=True, capture_output=True
        )
    elif started.wait() != 0:
        return  # no .complete: the first worker that needs the build runs it and shows why
    opt = out / "opt"
    with zipfile.ZipFile(out / "ssm-env-wrapper-layer.zip") as archive:
        archive.extractall(opt)
        mode = archive.getinfo("ssm-env-wrapper").external_attr >> 16
    (opt / "ssm-env-wrapper").chmod(mode & 0o777)  # as Lambda does: it keeps the mode
    (out / ".complete").touch()


#: The controller's build in progress: (its process, the thread that waits for it).
_PREBUILD = pytest.StashKey[tuple]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Under xdist, the controller starts the build before it starts the workers: it runs while
    they start and collect (about 3 s each), instead of one worker building while the other
    waits for it. It holds the lock the ``built`` fixture takes until the build is done."""
    import fcntl
    import threading

    config = session.config
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("dsession"):
        return
    shared = config._tmp_path_factory.getbasetemp()
    lock = open(shared / "dist-shared.lock", "w")  # noqa: SIM115 (closed by the thread below)
    fcntl.flock(lock, fcntl.LOCK_EX)
    out = shared / "dist-shared"
    out.mkdir()
    started = subprocess.Popen(
        ["bash", str(ROOT / "build_layer.sh"), str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def finish() -> None:
        try:
            _build_into(out, started)
        finally:
            lock.close()

    thread = threading.Thread(target=finish, daemon=True)
    thread.start()
    config.stash[_PREBUILD] = (started, thread)


def pytest_sessionfinish(session):
    """A run that never needed the build (a few tests under -n 2) does not wait for it."""
    started, thread = session.config.stash.get(_PREBUILD, (None, None))
    if started is not None:
        if started.poll() is None:
            started.terminate()
        thread.join()


@pytest.fixture(scope="session")
def built(tmp_path_factory, request):
    """The shipping artifacts, built by build_layer.sh into a temporary directory: once for the
    whole run, whatever the number of xdist workers (the build compiles bytecode for every
    Python). The xdist controller starts it (``pytest_sessionstart``); without xdist the first
    test that needs it builds; a worker that finds no finished build builds under the lock."""
    import fcntl

    base = tmp_path_factory.getbasetemp()
    # An xdist worker's base directory sits beside its siblings': their parent is shared.
    shared = base.parent if hasattr(request.config, "workerinput") else base
    out = shared / "dist-shared"
    opt = out / "opt"
    with open(shared / "dist-shared.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / ".complete").exists():
            _build_into(out)
    return {"single": out / "ssm_env_wrapper.py", "layer": opt / "ssm-env-wrapper", "dir": out}


FORMS = ("bin", "single", "layer")


def in_turn(cases: list[tuple]) -> list[tuple]:
    """Each case paired with ONE shipped form, the forms taken in turn (case i: form (i + i//3)
    mod 3, so that a 4x3 grid of cases gives every row and every column all three forms); for
    ``parametrize("wrapper, ...", in_turn(cases), indirect=["wrapper"])``.

    For tests of in-process logic that is the same code in every form (redaction, messages): the
    forms differ only in launcher and packaging (bin/wrapper runs src/, the single file and the
    layer run the concatenation of the same modules, whose build refuses a module-level name
    defined twice), which the tests that take ``wrapper`` for every case keep covering."""
    return [(FORMS[(i + i // 3) % 3], *case) for i, case in enumerate(cases)]


@pytest.fixture(params=FORMS)
def wrapper(request, built):
    """The wrapper as Lambda would start it: bin/wrapper, the single file, the layer's file."""
    if request.param == "bin":
        return [str(ROOT / "bin" / "wrapper")]
    return [str(built[request.param])]


@pytest.fixture(params=["package", "single"])
def api(request, built):
    """The Python API, from the package and from the single file."""
    if request.param == "package":
        import ssm_env_wrapper

        return ssm_env_wrapper
    name = "ssm_env_wrapper_single"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, built["single"])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def run(
    wrapper: list[str], args: list[str], env: dict[str, str], **kwargs
) -> subprocess.CompletedProcess:
    return subprocess.run(
        wrapper + args, env=env, capture_output=True, text=True, timeout=60, **kwargs
    )


def run_show_env(
    wrapper: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the wrapper around show_env.py; return the process and what the child reported
    (``{}`` when it never started). Also checks that the child is the wrapper's own process."""
    process = subprocess.Popen(
        wrapper + [sys.executable, str(SHOW_ENV)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=60)
    done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    report = json.loads(out) if out.strip() else {}
    if report:
        # os.execv keeps the pid: the runtime must be the wrapper's own process, not a child.
        assert report["pid"] == process.pid
    return done, report


def assert_no_secrets(process: subprocess.CompletedProcess, *values: str) -> None:
    """No secret key, session token or parameter value in anything the wrapper printed."""
    printed = (process.stdout or "") + (process.stderr or "")
    # Indexes only: pytest would print both sides of an `in` assertion, the secret included.
    leaked = [
        i for i, secret in enumerate((SECRET_KEY, SESSION_TOKEN) + values) if secret in printed
    ]
    # Nor any 12-character run of the credentials (a partial echo leaks as much as a whole one).
    leaked += [
        i
        for i, secret in enumerate((SECRET_KEY, SESSION_TOKEN))
        if i not in leaked
        and any(secret[at : at + 12] in printed for at in range(len(secret) - 11))
    ]
    assert not leaked, "secrets reached the output (0: secret key, 1: session token, 2+: values)"


def timed_load(env, **extra):
    """The wrapper's load, in-process: settings parsed from ``env`` plus ``extra``. Returns
    ``(result or the SsmEnvError raised, seconds)``."""
    import time

    import ssm_env_wrapper

    environ = dict(env, **extra)
    began = time.monotonic()
    try:
        outcome = ssm_env_wrapper.load(ssm_env_wrapper.Settings.from_environ(environ), environ)
    except ssm_env_wrapper.SsmEnvError as exc:
        outcome = exc
    return outcome, time.monotonic() - began


def wait_for(condition, limit: float = 5.0) -> bool:
    """Poll ``condition`` until it holds (or ``limit`` seconds pass) and return it: a listener
    thread counts what the client already sent, without a fixed sleep "to let it read"."""
    import time

    end = time.monotonic() + limit
    while not condition() and time.monotonic() < end:
        time.sleep(0.002)
    return bool(condition())


def client_config(url: str, credentials=None, **changes):
    """A ``records.ClientConfig`` for the endpoint at ``url``, as a load builds one: the wrapper's
    defaults (``SSM_ENV_TIMEOUT``'s 5 s deadline, 8 attempts) and its words (``Diagnostics``),
    each replaced by ``changes`` (``deadline=``, ``max_attempts=``, ``sleep=``, ``clock=``...)."""
    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.diagnostics import Diagnostics
    from ssm_env_wrapper.endpoint import parse_endpoint_url
    from ssm_env_wrapper.keys import Credentials
    from ssm_env_wrapper.records import ClientConfig
    from ssm_env_wrapper.settings import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT

    fields = {
        "deadline": Deadline(DEFAULT_TIMEOUT),
        "max_attempts": DEFAULT_MAX_ATTEMPTS,
        "user_agent": "ssm-env-wrapper-tests",
        "diagnostics": Diagnostics(),
    }
    fields.update(changes)
    return ClientConfig(
        parse_endpoint_url(url, "test"),
        credentials or Credentials("AKIDTESTS", "tests-secret-key-0012"),
        "us-east-1",
        **fields,
    )


@pytest.fixture
def layer(built):
    return [str(built["layer"])]


F_KEY, F_SECRET, F_TOKEN = (
    "AKIAFILEDEFAULT00001",
    "fileSecret/DoNotPrint+Hh7Yt2LmQ",
    "fileToken-DoNotPrint-8s7d6f5g4h",
)

D_KEY, D_SECRET = "AKIAFILEDEVPROFILE01", "devSecret/DoNotPrint+Pp0Oo9Ii8U"

CREDENTIALS_FILE = f"""\
[default]
aws_access_key_id = {F_KEY}
aws_secret_access_key = {F_SECRET}
aws_session_token = {F_TOKEN}

[dev]
aws_access_key_id = {D_KEY}
aws_secret_access_key = {D_SECRET}

[only-key]
aws_access_key_id = AKIAONLYKEY000000001
"""


@pytest.fixture
def credentials_file(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(CREDENTIALS_FILE)
    return str(path)


SDK_P_KEY, SDK_P_SECRET, SDK_P_TOKEN = (
    "ASIAPROCESSKEY000001",
    "processSecret/DoNotPrint+Zx8Cv7Bn6",
    "processToken//DoNotPrint+Qw1Er2Ty3" + "p" * 30,
)


@pytest.fixture
def process_script(tmp_path):
    """A credential_process: prints Version 1 JSON, and a line on stderr (passed through)."""
    script = tmp_path / "creds.py"
    script.write_text(
        textwrap.dedent(f"""\
        import json, sys
        sys.stderr.write("creds.py: fetching credentials\\n")
        print(json.dumps({{"Version": 1, "AccessKeyId": "{SDK_P_KEY}", "SecretAccessKey": "{SDK_P_SECRET}",
                          "SessionToken": "{SDK_P_TOKEN}", "Expiration": "2099-01-01T00:00:00Z"}}))
        """)
    )
    return f"{sys.executable} {script}"


def api_load(api, env, **extra):
    environ = dict(env, **extra)
    return api.load(api.Settings.from_environ(environ), environ)


ALLOW_SSM = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParametersByPath", "ssm:GetParameters"],
                "Resource": "*",
            }
        ],
    }
)

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def set_auth(url: str, free_actions: str) -> None:
    # moto counts requests and starts checking signatures once INITIAL_NO_AUTH_ACTION_COUNT have
    # passed; "0" checks every request from now on, "inf" turns checking off again.
    # Not form-encoded (urllib's default), or the server would read the body as a form.
    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth",
        data=free_actions.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture(scope="module")
def iam(moto_url):
    """An IAM user and an assumed role allowed to read SSM, parameters, then authentication on."""
    import boto3

    moto_reset(moto_url)
    kwargs = dict(
        region_name="us-east-1",
        endpoint_url=moto_url,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam_client = boto3.client("iam", **kwargs)
    iam_client.create_user(UserName="wrapper")
    iam_client.put_user_policy(UserName="wrapper", PolicyName="ssm", PolicyDocument=ALLOW_SSM)
    key = iam_client.create_access_key(UserName="wrapper")["AccessKey"]
    role = iam_client.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]
    iam_client.put_role_policy(RoleName="fn-role", PolicyName="ssm", PolicyDocument=ALLOW_SSM)
    temporary = boto3.client("sts", **kwargs).assume_role(
        RoleArn=role["Arn"], RoleSessionName="fn"
    )["Credentials"]
    ssm = boto3.client("ssm", **kwargs)
    ssm.put_parameter(Name="/auth/app/PLAIN", Value="plain-auth-value-0001", Type="String")
    ssm.put_parameter(Name="/auth/app/SECRET", Value="secure-auth-value-0002", Type="SecureString")
    set_auth(moto_url, "0")
    try:
        yield {
            "user": Credentials(key["AccessKeyId"], key["SecretAccessKey"]),
            "role": Credentials(
                temporary["AccessKeyId"], temporary["SecretAccessKey"], temporary["SessionToken"]
            ),
            "url": moto_url,
        }
    finally:
        set_auth(moto_url, "inf")


# ----------------------------------------------------------------------------- Secrets Manager
@pytest.fixture
def secrets(sm):
    return sm


NAME = "ssm.test.invalid"  # resolvable only through ConnectProxy's map (RFC 2606: never in DNS)


@pytest.fixture(scope="module")
def ca_file(tls_ca, tmp_path_factory):
    """The test CA's certificate as a file, for AWS_CA_BUNDLE."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


@pytest.fixture
def relay(tls_ca, ssm, moto_url):
    """https in front of moto on 127.0.0.1, with a certificate for localhost and NAME (no IP)."""
    upstream = urlsplit(moto_url)
    with TlsRelay(
        server_context(tls_ca, "localhost", NAME), (upstream.hostname, upstream.port)
    ) as tls:
        yield tls


@pytest.fixture
def proxy(moto_url):
    """A proxy that knows NAME as 127.0.0.1 (the relay and moto listen there)."""
    with ConnectProxy({NAME: "127.0.0.1"}) as server:
        yield server
