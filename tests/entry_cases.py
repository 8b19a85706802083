"""What the entry points' last-line tests share: the marker a forced failure carries, the secret it must never show, and the environment they start from."""

from __future__ import annotations

LEAK = "leaked-value-DoNotPrint-Zz81"

MARK = "please report it at"

ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE000000001",
    "AWS_SECRET_ACCESS_KEY": "example-secret-key-0000000000000000000000",
    "AWS_REGION": "us-east-1",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "SSM_ENV_NAMES": "/app/a",
}
