"""Parameter Store as the real API answers (``fake_ssm.SsmModel``) and ways to tamper with its answers, shared by the ssm client's unit and e2e tests."""

from __future__ import annotations

import json

from fake_ssm import SsmModel

VALUE_A1, VALUE_A2 = "valueA1-DoNotPrint-k2Lm", "valueA2-DoNotPrint-p9Qr"

VALUE_B = "valueB-DoNotPrint-x7Wz"

VALUE_SECRET = "secretValue-DoNotPrint-Hh3j"

VALUE_X, VALUE_Y, VALUE_C = (
    "valueX-DoNotPrint-1aa",
    "valueY-DoNotPrint-2bb",
    "valueC-DoNotPrint-3cc",
)

# Far past any recursion limit (json's C scanner raises RecursionError near 1000), and within the
# 128 KiB one variable can hold (a larger document is refused before it is parsed).
DEEP = 60_000


def model() -> SsmModel:
    m = SsmModel()
    m.put("/app/a", VALUE_A1, labels=("old",)).put("/app/a", VALUE_A2)
    m.put("/app/b", VALUE_B)
    m.put("/app/json", json.dumps({"host": "db.internal", "port": 5432}))
    m.put("/app/badjson", '{"host": "db.internal", "port": ')
    m.put("/app/array", '["host", "port"]')
    m.put("/app/deep", '{"k": ' + "[" * DEEP + "]" * DEEP + "}")
    m.put("/app/hugeint", '{"k": ' + "9" * 5000 + "}")
    m.put("/app/dupkeys", '{"host": "first", "host": "second"}')
    m.put("/p/X", VALUE_X).put("/p/Y", VALUE_Y).put("/p/sub/C", VALUE_C)
    for i in range(12):
        m.put(f"/many/P{i:02d}", f"many-{i}")
    m.secret("s", VALUE_SECRET)
    return m


# ----------------------------------------------------------------------------- tampering
def _parameters(body):
    return body["Parameters"]


def edit(name, **fields):
    """Change fields of the parameter ``name`` (a field set to ``...`` is removed)."""

    def tamper(body, request):
        out = []
        for p in _parameters(body):
            if p["Name"] == name:
                p = {k: v for k, v in {**p, **fields}.items() if v is not ...}
            out.append(p)
        return dict(body, Parameters=out)

    return tamper


def one_line(proc) -> str:
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr[:2000]
    assert lines[0].startswith("ssm-env-wrapper: ")
    return lines[0]
