"""A small evaluator of IAM identity policies, written from AWS's documentation, for what moto
(5.x) does not judge: resources. moto checks every call against the resource ``*`` (and a ``?``
in a policy's Resource breaks its matcher), so ``IamProxy`` puts this evaluator in front of it.

The rules ("Policy evaluation logic", "IAM JSON policy elements: Action / Resource /
Condition", IAM user guide):
- an explicit Deny in any statement wins; else an Allow that matches; else the implicit deny;
- a statement matches when its Action (or NotAction), its Resource (or NotResource) and all its
  Conditions match;
- ``*`` matches any run of characters, ``?`` any single character; action names are
  case-insensitive, resources case-sensitive;
- in a resource ARN the wildcards work within a segment (the parts between colons), except
  that a ``*`` which is the last character of a segment may also match across colons;
- conditions: StringEquals / StringNotEquals / StringLike, a list of values meaning any of them;
  a key the request does not carry matches no StringEquals/StringLike.

``IamProxy``: an HTTP proxy on loopback for the AWS JSON protocol: it reads the SigV4
Authorization header (the access key picks the policy), the X-Amz-Target (the action) and the
body (the resources each operation is authorized against), answers AccessDeniedException when
any is denied, and forwards the request unchanged (its Host header included, so the signature
still holds) to the real endpoint otherwise.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


def _wildcards(text: str, single: str, run: str) -> str:
    return "".join(run if c == "*" else single if c == "?" else re.escape(c) for c in text)


def action_matches(pattern: str, action: str) -> bool:
    return (
        re.fullmatch(_wildcards(pattern, ".", ".*"), action, re.IGNORECASE | re.DOTALL) is not None
    )


def resource_matches(pattern: str, resource: str) -> bool:
    if pattern == "*":
        return True
    segments = []
    for segment in pattern.split(":"):
        body, last = (segment[:-1], ".*") if segment.endswith("*") else (segment, "")
        segments.append(_wildcards(body, "[^:]", "[^:]*") + last)
    return re.fullmatch(":".join(segments), resource, re.DOTALL) is not None


def _listed(value: object) -> list[str]:
    return value if isinstance(value, list) else [value]  # type: ignore[return-value]


def _condition_holds(condition: dict, context: dict[str, str]) -> bool:
    for operator, pairs in condition.items():
        for key, wanted in pairs.items():
            actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
            values = _listed(wanted)
            if operator == "StringEquals":
                ok = actual is not None and actual in values
            elif operator == "StringNotEquals":
                ok = actual is None or actual not in values
            elif operator == "StringLike":
                ok = actual is not None and any(
                    re.fullmatch(_wildcards(v, ".", ".*"), actual, re.DOTALL) for v in values
                )
            else:
                raise ValueError(f"condition operator not supported here: {operator}")
            if not ok:
                return False
    return True


def _statement_applies(statement: dict, action: str, resource: str, context: dict) -> bool:
    if "Action" in statement:
        acts = any(action_matches(p, action) for p in _listed(statement["Action"]))
    else:
        acts = not any(action_matches(p, action) for p in _listed(statement["NotAction"]))
    if "Resource" in statement:
        on = any(resource_matches(p, resource) for p in _listed(statement["Resource"]))
    else:
        on = not any(resource_matches(p, resource) for p in _listed(statement["NotResource"]))
    return acts and on and _condition_holds(statement.get("Condition", {}), context)


def evaluate(
    policies: list[dict], action: str, resource: str, context: dict[str, str] | None = None
) -> str:
    """ALLOW, EXPLICIT_DENY or IMPLICIT_DENY for one request to one resource."""
    allowed = False
    for policy in policies:
        for statement in _listed(policy["Statement"]):
            if _statement_applies(statement, action, resource, context or {}):  # type: ignore[arg-type]
                if statement["Effect"] == "Deny":
                    return EXPLICIT_DENY
                allowed = True
    return ALLOW if allowed else IMPLICIT_DENY


def _requests(target: str, body: dict, head: str, secret_arn) -> list[tuple[str, str]]:
    """(action, resource) pairs one call is authorized against."""
    prefix, _, operation = target.partition(".")
    ssm = f"arn:aws:ssm:{head}"

    def parameter(name: str) -> str:
        if name.startswith("arn:"):
            return ":".join(name.split(":")[:6])  # the ARN without a selector
        return f"{ssm}:parameter/{name.split(':')[0].lstrip('/')}"

    if prefix == "AmazonSSM" and operation == "GetParametersByPath":
        return [("ssm:GetParametersByPath", f"{ssm}:parameter/{body['Path'].lstrip('/')}")]
    if prefix == "AmazonSSM" and operation == "GetParameters":
        pairs = []
        for name in body["Names"]:
            pairs.append(("ssm:GetParameters", parameter(name)))
            reference = "/aws/reference/secretsmanager/"
            if name.startswith(reference):
                # Parameter Store reads the secret with the caller's own permissions.
                secret = name[len(reference) :].split(":")[0]
                pairs.append(("secretsmanager:GetSecretValue", secret_arn(secret)))
        return pairs
    if prefix == "secretsmanager" and operation == "GetSecretValue":
        return [("secretsmanager:GetSecretValue", secret_arn(body["SecretId"]))]
    if prefix == "secretsmanager" and operation == "BatchGetSecretValue":
        return [("secretsmanager:BatchGetSecretValue", "*")] + [
            ("secretsmanager:GetSecretValue", secret_arn(i)) for i in body["SecretIdList"]
        ]
    return [(f"{prefix}:{operation}", "*")]


class IamProxy:
    """An IAM-judging proxy in front of ``upstream`` (an http:// URL). ``policies`` maps an access
    key id to its policy documents; ``secret_arns`` a secret's name to its complete ARN."""

    def __init__(
        self, upstream: str, policies: dict[str, list[dict]], secret_arns: dict[str, str]
    ) -> None:
        self.policies = policies
        self.denied: list[tuple[str, str]] = []
        host, port = upstream.split("//", 1)[1].rsplit(":", 1)
        proxy = self

        def secret_arn(secret_id: str) -> str:
            return secret_id if secret_id.startswith("arn:") else secret_arns.get(secret_id, "")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                credential = self.headers.get("Authorization", "").split("Credential=")[1]
                key, _, region = credential.split("/")[:3]
                pairs = _requests(
                    self.headers.get("X-Amz-Target", ""),
                    json.loads(raw),
                    f"{region}:123456789012",
                    secret_arn,
                )
                for action, resource in pairs:
                    if evaluate(proxy.policies.get(key, []), action, resource) != ALLOW:
                        proxy.denied.append((action, resource))
                        self._answer(
                            400,
                            json.dumps(
                                {
                                    "__type": "AccessDeniedException",
                                    "message": f"not authorized to perform: {action} on "
                                    f"resource: {resource}",
                                }
                            ).encode(),
                            "application/x-amz-json-1.1",
                        )
                        return
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                connection.request("POST", self.path, raw, dict(self.headers.items()))
                response = connection.getresponse()
                body = response.read()
                connection.close()
                self._answer(response.status, body, response.getheader("Content-Type") or "")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # Polls for shutdown() every 0.01 s (socketserver's default, 0.5 s, is paid per test).
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> IamProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
