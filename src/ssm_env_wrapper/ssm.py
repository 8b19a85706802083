# SPDX-License-Identifier: Apache-2.0
"""SSM Parameter Store's operations on top of the generic JSON client (``awsjson.JsonClient``).

SSM speaks ``awsJson1.1``: ``X-Amz-Target: AmazonSSM.<Operation>``, signing name ``ssm``. This
module adds what is SSM's own: the two read operations, the checks that an answer fits the
request (SSM API reference, ``Parameter``), and the IAM fix for AccessDeniedException.
"""

from __future__ import annotations

from .advice import counted_size
from .awsjson import JsonClient, inconsistent_answer, json_type
from .errors import EndpointError
from .paramnames import SECRETS_PREFIX, batch_key, split_selector
from .partitions import partition
from .records import text_size
from .redact import answer_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["SsmClient", "MAX_NAMES", "inconsistent_answer", "answer_name"]

# GetParametersByPath returns at most 10 parameters a page ("MaxResults ... Maximum value of 10",
# SSM API reference); asking for the maximum keeps the number of requests down.
_MAX_RESULTS = 10
# GetParameters takes at most 10 names a call ("Names ... Maximum number of 10 items").
MAX_NAMES = 10


# Parameter names hold only these characters ("Requirements and constraints for parameter names",
# Parameter Store user guide); a name from an answer with anything else did not come from SSM.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")


def _check_parameter(parameter: object, call: str, fix: str) -> None:
    """A parameter object as the API defines it (SSM API reference, ``Parameter``): the fields
    used here must have their documented JSON types, or the answer is not SSM's."""
    if not isinstance(parameter, dict):
        raise EndpointError(f"{call} failed: a parameter in the answer is not an object; {fix}")
    for field, kinds in (("Name", str), ("Value", str)):
        if not isinstance(parameter.get(field), kinds):
            raise EndpointError(
                f"{call} failed: a parameter in the answer has no Name or Value "
                f"({field} is {json_type(parameter.get(field))}); {fix}"
            )
    for field in ("Type", "Selector", "ARN"):
        if field in parameter and not isinstance(parameter[field], str):
            raise EndpointError(
                f"{call} failed: a parameter in the answer has a {field} that is "
                f"{json_type(parameter[field])}, not a string; {fix}"
            )
    version = parameter.get("Version")
    if "Version" in parameter and (not isinstance(version, int) or isinstance(version, bool)):
        raise EndpointError(
            f"{call} failed: a parameter in the answer has a Version that is "
            f"{json_type(version)}, not a number; {fix}"
        )


def _under(name: str, path: str, recursive: bool) -> bool:
    """Whether ``name`` is one GetParametersByPath may return for ``path``: below it (a direct
    child unless recursive), spelt exactly (names are case-sensitive), no empty segment, no
    trailing slash, only the characters a parameter name may hold."""
    if set(name) - _NAME_CHARS:
        return False
    if path == "/":
        # The root also holds names without a leading slash ("top-level" parameters).
        rest = name[1:] if name.startswith("/") else name
    elif name.startswith(path + "/"):
        rest = name[len(path) + 1 :]
    else:
        return False
    if not rest or rest.startswith("/") or rest.endswith("/") or "//" in rest:
        return False
    return recursive or "/" not in rest


class SsmClient(JsonClient):
    """SSM's read operations on the shared JSON client (``SsmClient(config)``, a
    ``records.ClientConfig``)."""

    service = "ssm"
    target_prefix = "AmazonSSM"
    title = "SSM"

    def fix_for(self, operation: str, code: str, message: str, targets: tuple[str, ...]) -> str:
        """The IAM action and resource for AccessDeniedException; else the general fix."""
        if code != "AccessDeniedException":
            return super().fix_for(operation, code, message, targets)
        lowered = message.lower()
        if "kms" in lowered:
            return "allow kms:Decrypt on the KMS key that encrypts the SecureString parameters"
        if "secretsmanager" in lowered:
            return "allow secretsmanager:GetSecretValue on the secret in the execution role"
        first = targets[0] if targets else ""
        resource = "parameter" + (first if first.startswith("/") else "/" + first)
        arn = f"arn:{partition(self.region)[0]}:ssm:{self.region}:<account-id>:{resource}"
        more = " (and the other names)" if len(targets) > 1 else ""
        return f"allow ssm:{operation} on {arn}{more} in the function's execution role"

    def get_parameters_by_path(self, path: str, recursive: bool = False) -> Iterator[dict]:
        """Yield every parameter under ``path``, SecureStrings decrypted, following ``NextToken``
        over all pages (a page may be empty and still carry a token)."""
        payload: dict[str, object] = {
            "Path": path,
            "Recursive": recursive,
            "WithDecryption": True,
            "MaxResults": _MAX_RESULTS,
        }
        call = f"GetParametersByPath {path}"
        fix = self.diagnostics.endpoint_fix()
        tokens: set[int] = set()
        names: set[str] = set()
        while True:
            page = self.call("GetParametersByPath", payload, targets=(path,))
            parameters = page.get("Parameters")
            if not isinstance(parameters, list):
                raise EndpointError(f"{call} failed: the answer has no Parameters list; {fix}")
            if len(parameters) > _MAX_RESULTS:
                raise inconsistent_answer(
                    call,
                    f"a page holds {len(parameters)} parameters, more than "
                    f"the MaxResults={_MAX_RESULTS} asked",
                    fix,
                )
            # The whole page is checked before any of it is used: only what lies under the path
            # may become a variable, and each parameter once (across pages too); then counted
            # into the load's budget before anything of it is kept.
            size = 0
            for parameter in parameters:
                _check_parameter(parameter, call, fix)
                name = parameter["Name"]
                if not _under(name, path, recursive):
                    where = "under" if recursive else "directly under"
                    raise inconsistent_answer(
                        call, f"it holds {answer_name(name)}, which is not {where} {path}", fix
                    )
                if name in names:
                    raise inconsistent_answer(call, f"it holds {answer_name(name)} twice", fix)
                names.add(name)
                size += text_size(name) + counted_size(parameter["Value"])
            self.accept("GetParametersByPath", (path,), size)
            for parameter in parameters:
                self.diagnostics.remember(parameter["Value"])
            token = self.next_token(page, tokens, call)
            yield from parameters
            if token is None:
                return
            payload["NextToken"] = token

    def get_parameters(self, requested: list[str]) -> tuple[list[dict], list[str]]:
        """Fetch up to 10 names (``name``, ``name:version`` or ``name:label``; Secrets Manager
        references included), SecureStrings decrypted. Returns ``(parameters, invalid names)``."""
        if len(requested) > MAX_NAMES:
            raise ValueError(f"GetParameters takes at most {MAX_NAMES} names")
        # WithDecryption must be true for /aws/reference/secretsmanager/ names (SSM API reference,
        # "Referencing AWS Secrets Manager secrets from Parameter Store parameters").
        answer = self.call(
            "GetParameters", {"Names": requested, "WithDecryption": True}, targets=tuple(requested)
        )
        call = f"GetParameters {', '.join(requested)}"
        fix = self.diagnostics.endpoint_fix()
        parameters = answer.get("Parameters")
        invalid = answer.get("InvalidParameters")
        if not isinstance(parameters, list):
            raise EndpointError(f"{call} failed: the answer has no Parameters list; {fix}")
        if invalid is None:
            invalid = []
        if not isinstance(invalid, list) or not all(isinstance(name, str) for name in invalid):
            raise EndpointError(
                f"{call} failed: the answer's InvalidParameters is not a list of names; {fix}"
            )
        size = 0
        for parameter in parameters:
            _check_parameter(parameter, call, fix)
            size += text_size(parameter["Name"]) + counted_size(parameter["Value"])
        self.accept("GetParameters", tuple(requested), size)
        for parameter in parameters:
            self.diagnostics.remember(parameter["Value"])
        return parameters, invalid


# ---------------------------------------------- matching a GetParameters answer to what was asked


def match_requested(
    requested: list[str],
    parameters: list[dict],
    invalid: list[str],
    fix: str = "",
    answers: dict[str, dict] | None = None,
) -> tuple[list[tuple[str, str]], list[str]]:
    """Pair each returned parameter with the name it was asked by; every name asked must be
    answered exactly once, in ``Parameters`` or ``InvalidParameters``, and nothing else may be.

    SSM answers ``name:3`` or ``name:label`` with ``Name`` = the name and ``Selector`` = ``:3`` or
    ``:label`` (SSM API reference, ``Parameter.Selector``); moto leaves ``Selector`` out, so a
    version is then proven by ``Version``. A Secrets Manager reference comes back under its full
    ``/aws/reference/secretsmanager/`` name (moto: under the secret's own name). Names are
    case-sensitive and never end in ``/``. A batch never asks one base name twice (the plan's
    batches), so each answered name belongs to one request. Raises EndpointError
    ("inconsistent"). ``answers`` (when given) receives each parameter of the answer by the name
    it was asked by."""
    call = f"GetParameters {', '.join(requested)}"
    by_base = {split_selector(name)[0]: name for name in requested}
    aliases = _answer_aliases(by_base)
    values: dict[str, str] = {}
    for parameter in parameters:
        name = parameter["Name"]
        asked = by_base.get(name) or aliases.get(name)
        if asked is None:
            raise inconsistent_answer(
                call, f"it holds {answer_name(name)}, which was not asked", fix
            )
        problem = _selector_problem(asked, parameter, split_selector(asked)[1]) or (
            f"it holds {asked} twice" if asked in values else ""
        )
        if problem:
            raise inconsistent_answer(call, problem, fix)
        values[asked] = parameter["Value"]
        if answers is not None:
            answers[asked] = parameter
    problem = _invalid_problem(requested, set(by_base.values()), invalid, values)
    if problem:
        raise inconsistent_answer(call, problem, fix)
    return list(values.items()), list(dict.fromkeys(invalid))


def _answer_aliases(by_base: dict[str, str]) -> dict[str, str]:
    """The other names an answer may give a requested name: a Secrets Manager reference's
    secret name, and a parameter asked by its ARN under its name."""
    aliases = {
        base[len(SECRETS_PREFIX) :]: name
        for base, name in by_base.items()
        if base.startswith(SECRETS_PREFIX) and base[len(SECRETS_PREFIX) :] not in by_base
    }
    # A parameter asked by its ARN (shared from another account): the API reference does not say
    # whether Name then holds the ARN or the name, so either is taken, as the answer to that one
    # request (a batch never asks one name twice, ARN or not).
    # The ARN's resource (parameter/prod/db) does not show whether the name has its leading
    # slash (a top-level name may have none): both spellings are taken.
    aliases.update(
        (alias, name)
        for base, name in by_base.items()
        if base.startswith("arn:")
        for alias in (batch_key(base), batch_key(base)[1:])
        if alias not in by_base
    )
    return aliases


def _selector_problem(asked: str, parameter: dict, selector: str) -> str:
    """Why ``parameter`` is not the version or label ``asked`` names (``""``: it is)."""
    from .values import ascii_digits

    answered = parameter.get("Selector") or ""
    if answered and answered not in (selector, asked):
        return f"{asked} was answered with the selector {answer_name(answered)}"
    # Compared as text: int() of a long selector would meet Python's int-string limit.
    if (
        ascii_digits(selector[1:])
        and "Version" in parameter
        and str(parameter["Version"]) != (selector[1:].lstrip("0") or "0")
    ):
        return f"{asked} was answered with version {answer_name(str(parameter['Version']))}"
    return ""


def _invalid_problem(
    requested: list[str], asked: set[str], invalid: list[str], values: dict[str, str]
) -> str:
    """Why ``InvalidParameters`` does not complete the answer (``""``: it does)."""
    unasked = [name for name in invalid if name not in asked]
    if unasked:
        return f"its InvalidParameters holds {answer_name(unasked[0])}, which was not asked"
    both = [name for name in invalid if name in values]
    if both:
        return f"{both[0]} is both in Parameters and in InvalidParameters"
    missing = [name for name in requested if name not in values and name not in invalid]
    if missing:
        return (
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            "neither in Parameters nor in InvalidParameters"
        )
    return ""
