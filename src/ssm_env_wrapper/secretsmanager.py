# SPDX-License-Identifier: Apache-2.0
"""Secrets Manager read directly: GetSecretValue for one secret, BatchGetSecretValue for more.

Through Parameter Store's ``/aws/reference/secretsmanager/`` names every secret costs an SSM
``GetParameters`` call against SSM's shared 40 requests a second; read directly, secrets count
against Secrets Manager's own, far higher quotas (README, Scaling). Same protocol as SSM
(``awsJson1.1``: ``POST /``, ``X-Amz-Target: secretsmanager.<Operation>``, SigV4 service
``secretsmanager``), so the client is the shared JSON client (``awsjson.JsonClient``) with its
operations and answer checks on top. Part of the network core: it reads no environment and
names no setting (the advice it is given does).
"""

from __future__ import annotations

from .advice import counted_size
from .awsjson import JsonClient, inconsistent_answer
from .errors import AwsApiError, EndpointError, SsmEnvError
from .partitions import partition
from .records import text_size
from .redact import answer_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SecretsClient", "fetch_secrets", "MAX_SECRETS"]

#: BatchGetSecretValue takes at most 20 ids ("SecretIdList ... Maximum number of 20 items",
#: Secrets Manager API reference).
MAX_SECRETS = 20


# The fix after an error code of Secrets Manager (AccessDeniedException is worked out per call).
_SM_FIXES = {
    "ResourceNotFoundException": "check the secret id, its region and the version asked",
    "DecryptionFailure": "allow kms:Decrypt on the secret's customer managed KMS key "
    "(kms:ViaService secretsmanager.REGION.amazonaws.com)",
    "InvalidRequestException": "the secret is marked for deletion, or the request is not "
    "valid for it: check the secret in the console",
    "InvalidParameterException": "check the secret id, version stage and version id",
}


class SecretsClient(JsonClient):
    """Secrets Manager's read operations on the shared JSON client: the same retries, deadline,
    masking and clock-skew correction as SSM's, over its own kept-alive connection. Its
    ``diagnostics`` name the Secrets Manager endpoint setting."""

    service = "secretsmanager"
    target_prefix = "secretsmanager"
    title = "Secrets Manager"

    def fix_for(self, operation: str, code: str, message: str, targets: tuple[str, ...]) -> str:
        if code == "AccessDeniedException":
            if "kms" in message.lower():
                return (
                    "allow kms:Decrypt on the secret's customer managed KMS key in the "
                    "function's execution role"
                )
            first = targets[0] if targets else ""
            if first.startswith("arn:"):
                arn = first
            else:
                arn = (
                    f"arn:{partition(self.region)[0]}:secretsmanager:{self.region}:<account-id>:"
                    f"secret:{first}-*"
                )
            if operation == "BatchGetSecretValue":
                # "BatchGetSecretValue ... you must have secretsmanager:GetSecretValue on each
                # secret" (Secrets Manager API reference, "Required permissions").
                return (
                    'allow secretsmanager:BatchGetSecretValue (Resource "*") and '
                    f"secretsmanager:GetSecretValue on each secret ({arn} ...) in the "
                    "function's execution role"
                )
            return f"allow secretsmanager:GetSecretValue on {arn} in the function's execution role"
        return _SM_FIXES.get(code) or super().fix_for(operation, code, message, targets)

    def get_secret_value(self, secret_id: str, stage: str = "", version_id: str = "") -> dict:
        """One secret (a version stage or id when given). Returns the checked answer."""
        payload: dict[str, object] = {"SecretId": secret_id}
        if stage:
            payload["VersionStage"] = stage
        if version_id:
            payload["VersionId"] = version_id
        answer = self.call("GetSecretValue", payload, targets=(secret_id,))
        _check_secret(answer, f"GetSecretValue {secret_id}", self.diagnostics.endpoint_fix())
        self.accept("GetSecretValue", (secret_id,), _kept_size(answer))
        self._remember(answer)
        return answer

    def _remember(self, entry: dict) -> None:
        # The value joins the redactor with the answer that brings it, before any message.
        for field in ("SecretString", "SecretBinary"):
            if isinstance(entry.get(field), str):
                self.diagnostics.remember(entry[field])

    def batch_get_secret_value(self, secret_ids: list[str]) -> tuple[list[dict], list[dict]]:
        """Up to 20 secrets' current versions in one call (following NextToken, if the service
        pages). Returns ``(SecretValues, Errors)``, each entry checked."""
        if len(secret_ids) > MAX_SECRETS:
            raise ValueError(f"BatchGetSecretValue takes at most {MAX_SECRETS} ids")
        call = f"BatchGetSecretValue {', '.join(secret_ids)}"
        payload: dict[str, object] = {"SecretIdList": secret_ids}
        values: list[dict] = []
        errors: list[dict] = []
        tokens: set[int] = set()
        fix = self.diagnostics.endpoint_fix()
        while True:
            answer = self.call("BatchGetSecretValue", payload, targets=tuple(secret_ids))
            page_values = answer.get("SecretValues", [])
            page_errors = answer.get("Errors", [])
            if not isinstance(page_values, list) or not isinstance(page_errors, list):
                raise EndpointError(
                    f"{call} failed: the answer's SecretValues or Errors is not a list; {fix}"
                )
            for entry in page_values:
                _check_secret(entry, call, fix)
            for entry in page_errors:
                if not isinstance(entry, dict) or not all(
                    isinstance(entry.get(field, ""), str)
                    for field in ("SecretId", "ErrorCode", "Message")
                ):
                    raise EndpointError(
                        f"{call} failed: an entry of the answer's Errors is not "
                        f"{{SecretId, ErrorCode, Message}}; {fix}"
                    )
            # Both lists are kept across pages, an error's Message too: all count.
            size = sum(_kept_size(entry) for entry in page_values + page_errors)
            self.accept("BatchGetSecretValue", tuple(secret_ids), size)
            for entry in page_values:
                self._remember(entry)
            values += page_values
            errors += page_errors
            token = self.next_token(answer, tokens, call)
            if token is None:
                return values, errors
            payload["NextToken"] = token


def _kept_size(entry: dict) -> int:
    """The bytes of the strings a checked answer entry (a secret, or an entry of ``Errors``)
    makes the load keep: its name, value (``counted_size``) and error text (what
    ``_check_secret`` and the ``Errors`` check proved strings)."""
    size = sum(
        counted_size(entry[field])
        for field in ("SecretString", "SecretBinary")
        if isinstance(entry.get(field), str)
    )
    fields = ("Name", "SecretId", "ErrorCode", "Message")
    return size + sum(text_size(entry[f]) for f in fields if isinstance(entry.get(f), str))


def _check_secret(entry: object, call: str, fix: str) -> None:
    """A secret value as the API defines it (GetSecretValue's answer, BatchGetSecretValue's
    ``SecretValueEntry``): ``Name`` and ``ARN`` strings, ``SecretString`` a string when there."""
    if not isinstance(entry, dict):
        raise EndpointError(f"{call} failed: a secret in the answer is not an object; {fix}")
    for field in ("Name", "ARN"):
        if not isinstance(entry.get(field), str):
            raise EndpointError(
                f"{call} failed: a secret in the answer has no {field} string; {fix}"
            )
    for field in ("SecretString", "SecretBinary", "VersionId"):
        if field in entry and not isinstance(entry[field], str):
            raise EndpointError(
                f"{call} failed: a secret in the answer has a {field} that is not a string; {fix}"
            )
    if "SecretString" not in entry and "SecretBinary" not in entry:
        raise EndpointError(
            f"{call} failed: a secret in the answer has neither SecretString nor SecretBinary; "
            f"{fix}"
        )


def _answers(secret_id: str, entry: dict) -> bool:
    """Whether ``entry`` (Name, ARN) is the secret asked as ``secret_id``: its name, its ARN, or
    a partial ARN (without the six random characters), as the API accepts ids."""
    arn = entry["ARN"]
    if secret_id in (entry["Name"], arn):
        return True
    return (
        secret_id.startswith("arn:")
        and arn.startswith(secret_id + "-")
        and len(arn) == len(secret_id) + 7
    )


def _exactly(secret_id: str, entry: dict) -> bool:
    return secret_id in (entry["Name"], entry["ARN"])


def _match_batch(
    keys: list[tuple[str, str, str]], entries: list[dict], bad: Callable[[str], SsmEnvError]
) -> dict[tuple[str, str, str], dict]:
    """Each key's answer entry (its value and version) from a BatchGetSecretValue answer.

    A secret is known by its ARN, which the answer always holds: one secret asked by several
    spellings (name, complete ARN, partial ARN) may come back once or once an id, and every
    spelling gets its value; entries repeating an ARN must agree. An id is answered by the
    secrets it names exactly (name or ARN) or, failing that, as a partial ARN: a name ending in
    ``-`` and six characters makes an ARN ambiguous, and the complete ARN is the exact one
    ("Find secrets", Secrets Manager user guide). An id answered by two secrets, or a secret
    answering no id, is refused."""
    by_arn: dict[str, dict] = {}
    for entry in entries:
        seen = by_arn.setdefault(entry["ARN"], entry)
        fields = ("Name", "VersionId", "SecretString", "SecretBinary")
        if any(seen.get(field) != entry.get(field) for field in fields):
            raise bad(f"it holds the secret {answer_name(entry['Name'])} twice, and the two differ")
    values: dict[tuple[str, str, str], dict] = {}
    used: set[str] = set()
    for key in keys:
        found = [a for a, entry in by_arn.items() if _exactly(key[0], entry)] or [
            a for a, entry in by_arn.items() if _answers(key[0], entry)
        ]
        if len(found) > 1:
            raise bad(f"{key[0]} is answered by {len(found)} secrets")
        if found:
            values[key] = by_arn[found[0]]
            used.add(found[0])
    for arn, entry in by_arn.items():
        if arn not in used:
            raise bad(f"it holds the secret {answer_name(entry['Name'])}, which was not asked")
    return values


def fetch_secrets(
    client: SecretsClient, keys: list[tuple[str, str, str]]
) -> tuple[dict[tuple[str, str, str], dict], list[tuple[str, str, str]], list[SsmEnvError]]:
    """Fetch ``keys`` (secret id, version stage, version id): one GetSecretValue for one key,
    BatchGetSecretValue for several current versions. Returns ``(values, missing, errors)``:
    ``values`` maps each key to its checked answer entry (value and version), ``missing``
    the keys that do not exist, ``errors`` one error per other secret that failed in a batch.
    Every id asked must be answered exactly once, or the whole answer is refused."""
    fix = client.diagnostics.endpoint_fix()
    if len(keys) == 1:
        return _fetch_one(client, keys[0], fix)
    ids = [key[0] for key in keys]
    entries, errors = client.batch_get_secret_value(ids)
    call = f"BatchGetSecretValue {', '.join(ids)}"
    values = _match_batch(keys, entries, lambda detail: inconsistent_answer(call, detail, fix))
    missing, failures = _batch_errors(client, keys, values, errors, call, fix)
    unanswered = [key[0] for key in keys if key not in values and key not in missing]
    if unanswered:
        raise inconsistent_answer(
            call, f"{', '.join(unanswered)} neither in SecretValues nor in Errors", fix
        )
    # Failed ones are reported through ``failures``; only the not-found ones are "missing".
    failed = {target for failure in failures for target in failure.targets}
    return values, [key for key in missing if key[0] not in failed], list(failures)


def _fetch_one(
    client: SecretsClient, key: tuple[str, str, str], fix: str
) -> tuple[dict[tuple[str, str, str], dict], list[tuple[str, str, str]], list[SsmEnvError]]:
    """One secret by GetSecretValue: its answer must be the secret, and the version, asked."""
    try:
        entry = client.get_secret_value(*key)
    except AwsApiError as exc:
        if exc.code == "ResourceNotFoundException":
            return {}, [key], []
        raise
    call = f"GetSecretValue {key[0]}"
    if not _answers(key[0], entry):
        raise inconsistent_answer(
            call, f"it holds the secret {answer_name(entry['Name'])}, which was not asked", fix
        )
    # A pinned version is proven by the answer, never assumed: VersionId is the id asked,
    # VersionStages a list holding the stage asked (GetSecretValue response syntax).
    if key[2] and entry.get("VersionId") != key[2]:
        raise inconsistent_answer(
            call, f"it holds version {answer_name(str(entry.get('VersionId')))}", fix
        )
    stages = entry.get("VersionStages")
    if key[1] and not (isinstance(stages, list) and key[1] in stages):
        raise inconsistent_answer(call, f"it holds a version without the stage {key[1]}", fix)
    return {key: entry}, [], []


def _batch_errors(
    client: SecretsClient,
    keys: list[tuple[str, str, str]],
    values: dict[tuple[str, str, str], dict],
    errors: list[dict],
    call: str,
    fix: str,
) -> tuple[list[tuple[str, str, str]], list[AwsApiError]]:
    """The keys a batch's ``Errors`` answer (not found, or failed) and one error per failed
    secret; each entry must name a key asked and not answered otherwise."""
    missing: list[tuple[str, str, str]] = []
    failures: list[AwsApiError] = []
    for error in errors:
        asked = [key for key in keys if key[0] == error.get("SecretId")]
        if not asked:
            raise inconsistent_answer(
                call,
                f"its Errors names {answer_name(str(error.get('SecretId')))}, which was not asked",
                fix,
            )
        key = asked[0]
        if key in values or key in missing:
            raise inconsistent_answer(
                call, f"{key[0]} is answered twice (a value and an error, or two errors)", fix
            )
        missing.append(key)  # not found, or failed: never to be reported again as missing
        # An error code is a word; anything longer, or echoing a value, is cut and masked.
        code = client.diagnostics.mask(str(error.get("ErrorCode") or "Unknown")[:100])
        if code != "ResourceNotFoundException":
            message = str(error.get("Message") or "")
            failures.append(
                AwsApiError(
                    "BatchGetSecretValue",
                    code,
                    client.diagnostics.quote(message, 400),
                    targets=(key[0],),
                    fix=client.fix_for("GetSecretValue", code, message, (key[0],)),
                )
            )
    return missing, failures
