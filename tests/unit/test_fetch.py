"""fetch: the load's one budget, shared by every source, page and worker thread. An endpoint
(over real loopback sockets, fake_ssm) answers with large values and fresh tokens; the load stops
once what it accepted is over what execve could pass on, with one line naming the source."""

from __future__ import annotations

import json
import os

import pytest
from fake_ssm import FakeSsm, page, send

import ssm_env_wrapper
from ssm_env_wrapper.errors import LoadSizeError
from ssm_env_wrapper.fetch import load_budget
from ssm_env_wrapper.settings import Settings

VALUE = 64 * 1024
#: The fake endpoint gives up after this many pages of a path, so that a load without a budget
#: ends too (holding 640 KiB a page): the tests count requests, never wait on a deadline.
LAST = 40
ARG_MAX = os.sysconf("SC_ARG_MAX")


def value(tag: str) -> str:
    return f"secret-{tag}-" + "v" * (VALUE - 8 - len(tag))


def endless(handler, request):
    """Each path's pages: ten parameters of 64 KiB, with a fresh token (up to LAST pages); a
    batch of names: each name with a 64 KiB value."""
    body = request["body"]
    if request["target"] == "AmazonSSM.GetParameters":
        parameters = [{"Name": n, "Value": value(n), "Type": "String"} for n in body["Names"]]
        send(handler, 200, {"Parameters": parameters, "InvalidParameters": []})
        return
    n = int(body.get("NextToken", "t0")[1:])
    names = [f"{body['Path']}/{body['Path'][-1].upper()}{n:03d}_{i}" for i in range(10)]
    parameters = [(name, value(name)) for name in names]
    send(handler, *page(parameters, token=f"t{n + 1}" if n < LAST else None))


def load(env, **extra):
    environ = dict(env, **extra)
    try:
        return ssm_env_wrapper.load(Settings.from_environ(environ), environ)
    except ssm_env_wrapper.SsmEnvError as exc:
        return exc


def per_page(path: str) -> int:
    return 10 * (len(f"{path}/P000_0") + VALUE)


def test_the_budget_is_execves_limit_plus_a_value_for_each_that_stays_out():
    assert load_budget(Settings()).limit == ARG_MAX
    assert load_budget(Settings()).exec_limit == ARG_MAX
    environ = {
        "SSM_ENV_SECRETS": "A=db:password,B=other,C=tls:key",
        "SSM_ENV_FILES": "B,TLS_CERT",
        "TLS_CERT": "secretsmanager:cert",
    }
    budget = load_budget(Settings.from_environ(environ))
    # Two files (B, TLS_CERT), two secrets read for one JSON key (A, C): 128 KiB each more.
    assert budget.limit == ARG_MAX + 4 * (131072 - 3) and budget.exec_limit == ARG_MAX


def test_paths_fetched_in_parallel_share_one_budget_and_stop(env):
    paths = ["/prod/a", "/prod/b", "/prod/c"]
    with FakeSsm([endless]) as fake:
        outcome = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS=",".join(paths))
        requests = len(fake.requests)
    assert isinstance(outcome, LoadSizeError), outcome
    # Every page but the one that went over fits in ARG_MAX; each other worker may have had one
    # request in flight then; after it, none is sent.
    assert requests <= ARG_MAX // per_page("/prod/a") + len(paths)
    assert outcome.first and outcome.taken > outcome.limit == ARG_MAX
    message = str(outcome)
    assert message.startswith(f"GetParametersByPath {outcome.targets[0]} failed: ")
    assert outcome.targets[0] in paths
    assert message.endswith(
        f"the load's names and values came to over {ARG_MAX} bytes, over the execve limit "
        f"(ARG_MAX = {ARG_MAX}); load fewer or smaller parameters and secrets"
    )
    assert "secret-" not in message


def test_batches_of_names_count_into_it_too(env):
    names = [f"/prod/n/N{i:02d}" for i in range(40)]  # four batches of ten 64 KiB values
    with FakeSsm([endless]) as fake:
        outcome = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_NAMES=",".join(names))
        requests = len(fake.requests)
    assert isinstance(outcome, LoadSizeError), outcome
    assert requests <= 4
    assert str(outcome).startswith("GetParameters /prod/n/N")


def test_under_on_error_continue_the_source_is_dropped_and_the_load_goes_on(env):
    with FakeSsm([endless]) as fake:
        outcome = load(
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_PATHS="/prod/a",
            SSM_ENV_ON_ERROR="continue",
        )
        requests = len(fake.requests)
    assert isinstance(outcome, ssm_env_wrapper.LoadResult), outcome
    assert requests == ARG_MAX // per_page("/prod/a") + 1
    assert outcome.variables == {}
    assert len(outcome.failures) == 1
    assert outcome.failures[0].startswith("GetParametersByPath /prod/a failed: the load's names")
    assert "secret-" not in json.dumps(outcome.failures)


@pytest.mark.parametrize("secrets", ["pinned", "one,two"])
def test_secrets_count_into_it_too(sm_env, secrets):
    # A 64 KiB value per answer, over and over: the same secret on page after page with fresh
    # tokens (BatchGetSecretValue), or many answers (each its own GetSecretValue).
    answered: list[int] = []

    def step(handler, request):
        body = request["body"]
        answered.append(1)
        n = len(answered)
        ids = body.get("SecretIdList") or [body["SecretId"]]
        entries = [
            {
                "Name": sid,
                "ARN": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{sid}-AbCdEf",
                "SecretString": value(sid),
                "VersionStages": ["AWSCURRENT"],
            }
            for sid in ids
        ]
        if "SecretId" in body:
            send(handler, 200, entries[0])
            return
        token = {"NextToken": f"t{n}"} if n <= LAST else {}
        send(handler, 200, {"SecretValues": entries, "Errors": [], **token})

    many = ",".join(f"S{i}=s{i}::AWSCURRENT" for i in range(40))  # pinned: one call each
    with FakeSsm([step]) as fake:
        outcome = load(
            sm_env,
            AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url,
            SSM_ENV_SECRETS=many if secrets == "pinned" else secrets,
        )
        requests = len(fake.requests)
    assert isinstance(outcome, LoadSizeError), outcome
    pages = ARG_MAX // (2 * (VALUE + 3)) + 1
    assert requests <= (ARG_MAX // VALUE + 8 if secrets == "pinned" else pages)
    assert "secret-" not in str(outcome)
