# SPDX-License-Identifier: Apache-2.0
"""Run the wrapper against a local moto SSM endpoint and show what reaches the runtime."""

from __future__ import annotations

import logging
import os
import pathlib
import subprocess
import sys

import boto3
from moto.server import ThreadedMotoServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
PARAMETERS = [
    ("/demo/myapp/DB_HOST", "db.internal.example", "String"),
    ("/demo/myapp/DB_PASSWORD", "correct-horse-battery-staple", "SecureString"),
    ("/demo/myapp/feature-flags", "search,checkout-v2", "StringList"),
    ("/demo/myapp/nested/NOT_LOADED", "only with SSM_ENV_RECURSIVE=true", "String"),
]
# The 'runtime': prints the variables that came from Parameter Store (the password masked).
SHOW = (
    "import os\n"
    "for name in ('DB_HOST', 'DB_PASSWORD', 'feature_flags', 'NOT_LOADED'):\n"
    "    value = os.environ.get(name)\n"
    "    shown = '(not set)' if value is None else ('*' * 8 if 'PASSWORD' in name else value)\n"
    "    print(f'  {name:14} {shown}')\n"
    "print(f'  runtime pid    {os.getpid()} (the wrapper exec-ed: same process, no child)')\n"
)


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines in the demo
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        ssm = boto3.client(
            "ssm",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="demo",
            aws_secret_access_key="demo",
        )
        for name, value, kind in PARAMETERS:
            ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
        print(f"moto SSM endpoint on {endpoint}; parameters put under /demo/myapp:")
        for name, _, kind in PARAMETERS:
            print(f"  {name} ({kind})")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_ACCESS_KEY_ID": "AKIADEMO",
            "AWS_SECRET_ACCESS_KEY": "demo-secret-key",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_SSM": endpoint,
            "APP_ENV": "demo",
            "APP_PARAMS_PATH": "myapp",
        }
        command = [str(ROOT / "bin" / "wrapper"), sys.executable, "-c", SHOW]
        print(
            "\n$ APP_ENV=demo APP_PARAMS_PATH=myapp bin/wrapper python3 -c '<print the variables>'"
        )
        sys.stdout.flush()
        return subprocess.run(command, env=env).returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
