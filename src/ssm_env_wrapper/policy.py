# SPDX-License-Identifier: Apache-2.0
"""``ssm-env-wrapper policy``: the least-privilege IAM policy for exactly the load the settings
describe, as IAM JSON, a SAM template's ``Policies`` entry or Terraform's
``aws_iam_policy_document``.

It is derived from the loader's own plan (the same jobs the wrapper would run), each job mapped
to the resources its calls are authorized against:

- GetParametersByPath: the path's parameter ARN (``parameter/prod/app``). Parameter Store
  authorizes it against the path in the request, not the parameters returned, and a path grants
  every level below it whatever ``Recursive`` says ("How Parameter Store authorizes parameter
  retrieval", Systems Manager user guide): so one ARN a path, recursive or not, and no ``/*``.
- GetParameters: each name's parameter ARN (a shared parameter's own ARN), the selector left
  out; a ``/aws/reference/secretsmanager/NAME`` parameter also needs GetSecretValue on the secret
  ("Referencing AWS Secrets Manager secrets from Parameter Store parameters").
- GetSecretValue: each secret; a name as ``secret:NAME-??????`` (Secrets Manager appends a hyphen
  and six random characters to the ARN, "Find secrets", Secrets Manager user guide).
- BatchGetSecretValue: ``*`` (it has no resource of its own), only when the loader batches, and
  GetSecretValue on each secret of the batch ("BatchGetSecretValue", API reference).
- kms:Decrypt: only on keys named with ``--kms-key``, limited by ``kms:ViaService`` to the
  services the load calls; without one, a note (AWS managed keys need no grant).
"""

from __future__ import annotations

from .errors import ConfigError
from .sources import ALNUM
from .values import ascii_digits

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence

    from .settings import Settings

__all__ = ["POLICY_FORMATS", "policy_document", "render_policy", "add_policy_options", "run_policy"]

#: ``--format``: IAM JSON (the default), a SAM ``Policies`` entry, Terraform HCL.
POLICY_FORMATS = ("iam", "sam", "terraform")

_KMS_NOTE = (
    "note: SecureString parameters and secrets encrypted with a customer managed KMS key also "
    "need kms:Decrypt on that key; name it with --kms-key arn:PARTITION:kms:REGION:ACCOUNT:key/ID "
    "(the AWS managed keys aws/ssm and aws/secretsmanager need no grant)"
)


_KEY_ID = frozenset(ALNUM + "-")


class _Where:
    """Partition, region and account, each asked for only when an ARN needs it: a load of ARNs
    alone needs none of them."""

    def __init__(self, environ: Mapping[str, str], account: str | None) -> None:
        from .endpoint import region_from_environ

        self.region_error: ConfigError | None = None
        self.region = ""
        try:
            self.region = region_from_environ(environ)
        except ConfigError as exc:
            self.region_error = exc
        given = (account or "").strip()
        self.account_setting = "--account" if given else "AWS_ACCOUNT_ID"
        self.account = given or environ.get("AWS_ACCOUNT_ID", "").strip()
        if self.account and not (len(self.account) == 12 and ascii_digits(self.account)):
            raise ConfigError(
                f"{self.account_setting}: {self.account!r} is not an AWS account ID (12 digits)"
            )

    def head(self, service: str, what: str) -> str:
        """``arn:PARTITION:SERVICE:REGION:ACCOUNT``, or one line saying what is missing."""
        if self.region_error is not None:
            raise ConfigError(f"policy: {what} needs the region: {self.region_error}")
        if not self.account:
            raise ConfigError(
                f"policy: {what} needs the account ID, which the settings do not hold; give "
                "--account 123456789012 (or set AWS_ACCOUNT_ID)"
            )
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}"

    @property
    def partition(self) -> str:
        from .partitions import partition

        return partition(self.region)[0]


def _parameter_arn(where: _Where, name: str) -> str:
    from .sources import split_selector

    base = split_selector(name)[0]
    if base.startswith("arn:"):
        return base
    return where.head("ssm", base) + ":parameter/" + base.lstrip("/")


def _secret_arn(where: _Where, secret_id: str) -> str:
    if secret_id.startswith("arn:"):
        return secret_id  # as given: a complete ARN, or a partial one the user chose
    return f"{where.head('secretsmanager', secret_id)}:secret:{secret_id}-??????"


def _kms_keys(keys: Sequence[str]) -> list[str]:
    from .sources import _arn_head

    for key in keys:
        parts = _arn_head(key, "kms", "--kms-key", key) if key.startswith("arn:") else []
        # A key id (a UUID, or mrk- and hex): never a wildcard or a ${...} policy variable.
        if (
            not parts
            or not parts[5].startswith("key/")
            or set(parts[5][4:]) - _KEY_ID
            or len(parts[5]) <= 4
        ):
            raise ConfigError(
                f"--kms-key: {key!r} is not a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:"
                "key/ID; an alias ARN does not work in a policy's Resource)"
            )
    return list(dict.fromkeys(keys))


def _via_service(region: str, keys: list[str], services: list[str]) -> list[str]:
    """``kms:ViaService``: the services calling KMS in their region, which is the keys' region
    when the settings hold none (ARNs alone)."""
    from .partitions import partition

    regions = [region] if region else sorted({key.split(":")[3] for key in keys})
    return [f"{name}.{at}.{partition(at)[1]}" for at in regions for name in services]


def _plan_jobs(settings: Settings, region: str) -> tuple[list, list[str]]:
    """The loader's jobs for ``settings`` and what it would refuse before any request."""
    from .errors import SsmEnvError
    from .plan import FailurePolicy, make_plan

    class _Region:  # the one thing the plan reads of the resolved call settings
        def __init__(self, region: str) -> None:
            self.region = region

    policy = FailurePolicy("continue")
    resolved = _Region(region) if region else SsmEnvError("no region")
    plan = make_plan(settings, policy, resolved)  # type: ignore[arg-type]
    return plan.jobs, policy.failures


def policy_document(
    settings: Settings,
    environ: Mapping[str, str],
    *,
    account: str | None = None,
    kms_keys: Sequence[str] = (),
) -> tuple[dict[str, object], list[str]]:
    """The IAM policy document for the load ``settings`` describe, and the notes to show."""
    from .sources import SECRETS_PREFIX, split_selector

    if not settings.has_sources:
        raise ConfigError(
            "policy: nothing to load, so nothing to allow: give --path, --name, --json-name, "
            "--secret or --json-secret, or set the settings the wrapper reads"
        )
    where = _Where(environ, account)
    keys = _kms_keys(kms_keys)
    jobs, refused = _plan_jobs(settings, where.region)
    notes = [f"note: left out, the load refuses it: {line}" for line in refused]
    paths: list[str] = []
    names: list[str] = []
    secrets: list[str] = []
    batch = False
    for job in jobs:
        if job.path is not None:  # the root "/" is parameter/, with nothing after the slash
            paths.append(where.head("ssm", job.path) + ":parameter/" + job.path.lstrip("/"))
        for name in job.names:
            names.append(_parameter_arn(where, name))
            base = split_selector(name)[0]
            if base.startswith(SECRETS_PREFIX):
                secrets.append(_secret_arn(where, base[len(SECRETS_PREFIX) :]))
        secrets += [_secret_arn(where, key[0]) for key in job.secrets]
        batch = batch or len(job.secrets) > 1
    statements: list[dict[str, object]] = []

    def allow(sid: str, action: str, resources: list[str]) -> None:
        if resources:
            listed = list(dict.fromkeys(resources))
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Action": action,
                    "Resource": listed[0] if len(listed) == 1 else listed,
                }
            )

    allow("ReadParameterPaths", "ssm:GetParametersByPath", paths)
    allow("ReadParameters", "ssm:GetParameters", names)
    allow("ReadSecrets", "secretsmanager:GetSecretValue", secrets)
    if batch:
        allow("BatchReadSecrets", "secretsmanager:BatchGetSecretValue", ["*"])
    if keys:
        services = (["ssm"] if paths or names else []) + (["secretsmanager"] if secrets else [])
        via = _via_service(where.region, keys, services)
        allow("DecryptWithNamedKeys", "kms:Decrypt", keys)
        statements[-1]["Condition"] = {"StringEquals": {"kms:ViaService": via}}
    else:
        notes.append(_KMS_NOTE)
    return {"Version": "2012-10-17", "Statement": statements}, notes


def _hcl(text: str) -> str:
    """A Terraform string literal: JSON's escapes are HCL's; ``${`` and ``%{`` start templates."""
    import json

    return json.dumps(text).replace("${", "$${").replace("%{", "%%{")


def _hcl_list(values: object) -> str:
    items = values if isinstance(values, list) else [values]
    return "[" + ", ".join(_hcl(str(item)) for item in items) + "]"


def _terraform(document: dict[str, object]) -> str:
    lines = ['data "aws_iam_policy_document" "ssm_env_wrapper" {']
    for statement in document["Statement"]:  # type: ignore[attr-defined]
        lines += [
            "  statement {",
            f"    sid       = {_hcl(statement['Sid'])}",
            f"    effect    = {_hcl(statement['Effect'])}",
            f"    actions   = {_hcl_list(statement['Action'])}",
            f"    resources = {_hcl_list(statement['Resource'])}",
        ]
        for test, conditions in statement.get("Condition", {}).items():
            for variable, values in conditions.items():
                lines += [
                    "    condition {",
                    f"      test     = {_hcl(test)}",
                    f"      variable = {_hcl(variable)}",
                    f"      values   = {_hcl_list(values)}",
                    "    }",
                ]
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_policy(document: dict[str, object], style: str) -> str:
    """``iam``: the policy document as JSON. ``sam``: one entry of an AWS::Serverless::Function's
    ``Policies`` list, ``- Statement:`` with the statements as a JSON array (JSON is YAML's flow
    style, so the entry pastes into a YAML template as it is). ``terraform``: a
    ``data "aws_iam_policy_document"`` block."""
    import json

    if style == "iam":
        return json.dumps(document, indent=2) + "\n"
    if style == "sam":
        body = json.dumps(document["Statement"], indent=2)
        return "- Statement:\n" + "".join(f"    {line}\n" for line in body.splitlines())
    if style == "terraform":
        return _terraform(document)
    raise ValueError(f"unknown policy format {style!r}")


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    """``policy``'s own options, next to the ones that mirror the wrapper's settings."""
    parser.add_argument(
        "--format",
        choices=POLICY_FORMATS,
        default="iam",
        help="iam (default: the policy document as JSON), sam (an entry of a SAM function's "
        "Policies list) or terraform (a data aws_iam_policy_document block)",
    )
    parser.add_argument(
        "--account",
        metavar="ID",
        help="the account ID of the parameters and secrets named without an ARN [AWS_ACCOUNT_ID]",
    )
    parser.add_argument(
        "--kms-key",
        dest="kms_keys",
        action="append",
        default=[],
        metavar="ARN",
        help="allow kms:Decrypt on this customer managed key, through SSM and Secrets "
        "Manager only (repeatable)",
    )


def run_policy(
    environ: Mapping[str, str], given: Mapping[str, str], options: argparse.Namespace
) -> int:
    """Print the policy for the settings in ``environ`` (options already merged in); notes go
    to stderr, so that stdout is the policy alone."""
    import sys

    from .settings import Settings

    settings = Settings.from_environ(environ, options=given)
    document, notes = policy_document(
        settings, environ, account=options.account, kms_keys=options.kms_keys
    )
    sys.stdout.write(render_policy(document, options.format))
    for note in notes:
        sys.stderr.write(f"ssm-env-wrapper: {note}\n")
    return 0
