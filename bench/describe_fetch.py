"""Prototype (benchmark only, not in src/): load a path with DescribeParameters + GetParameters.

GetParametersByPath pages are sequential (each needs the previous page's NextToken) and hold at most
10 parameters, so P parameters cost ceil(P/10) round trips one after the other. This lists the
names under the path with DescribeParameters (50 a page, ParameterFilters Key=Path, Option=OneLevel;
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html) and
hands each page's names, 10 at a time, to GetParameters workers running in parallel (at most 4, as
the wrapper's own loader), each on its own kept-alive connection of the package's SsmClient. Then it
sets one variable per parameter (last path segment) and execs argv[1:], like the wrapper.

usage: python3 -I -S describe_fetch.py SRC_DIR CMD ...   (APP_PARAMS_PATH names the path)
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, sys.argv.pop(1))

from ssm_env_wrapper.credentials import resolve_credentials  # noqa: E402
from ssm_env_wrapper.deadline import Deadline  # noqa: E402
from ssm_env_wrapper.endpoint import endpoint_from_environ, region_from_environ  # noqa: E402
from ssm_env_wrapper.records import ClientConfig  # noqa: E402
from ssm_env_wrapper.resolve import proxy_policy_from_environ, trust_from_environ  # noqa: E402
from ssm_env_wrapper.ssm import SsmClient  # noqa: E402
from ssm_env_wrapper.trust import tls_context  # noqa: E402
from ssm_env_wrapper.useragent import user_agent  # noqa: E402

WORKERS = 4


def main() -> None:
    environ = os.environ
    region = region_from_environ(environ)
    endpoint = endpoint_from_environ(region, environ)
    credentials = resolve_credentials(environ)
    proxy = proxy_policy_from_environ(environ).for_url(endpoint.scheme, endpoint.host)
    context = tls_context(trust_from_environ(environ)) if endpoint.scheme == "https" else None
    config = ClientConfig(
        endpoint,
        credentials,
        region,
        deadline=Deadline(30),
        max_attempts=8,
        user_agent=user_agent(environ),
        context=context,
        proxy=proxy,
    )

    def client() -> SsmClient:
        return SsmClient(config)

    import queue
    import threading

    path = environ["APP_PARAMS_PATH"]
    batches: queue.Queue = queue.Queue()
    found: list[dict] = []
    errors: list[BaseException] = []

    def work(worker: SsmClient) -> None:
        with worker:
            while True:
                batch = batches.get()
                if batch is None:
                    return
                try:
                    parameters, _invalid = worker.get_parameters(batch)
                    found.extend(parameters)  # list.extend is atomic under the GIL
                except BaseException as exc:
                    errors.append(exc)

    threads = [threading.Thread(target=work, args=(client(),), daemon=True) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    lister = client()
    payload: dict[str, object] = {
        "ParameterFilters": [{"Key": "Path", "Option": "OneLevel", "Values": [path]}],
        "MaxResults": 50,
    }
    while True:  # each page's names go to the workers at once: listing and fetching overlap
        page = lister.call("DescribeParameters", payload, targets=(path,))
        names = [p["Name"] for p in page.get("Parameters", [])]
        for start in range(0, len(names), 10):
            batches.put(names[start : start + 10])
        token = page.get("NextToken")
        if not token:
            break
        payload["NextToken"] = token
    lister.close()
    for _ in threads:
        batches.put(None)
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"describe_fetch: {type(errors[0]).__name__}: {errors[0]}")
    for parameter in found:
        os.environ[parameter["Name"].rsplit("/", 1)[-1]] = parameter["Value"]
    os.execv(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
