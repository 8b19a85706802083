# SPDX-License-Identifier: Apache-2.0
"""Source items as users write them: ``${VAR}`` expansion, the optional ``?`` mark, parameter
ARNs and Secrets Manager secret ids (names, ARNs, ECS's ``valueFrom`` suffix).

Everything here is text in, records out, before any request: a malformed item is a ConfigError
naming the setting and the item.
"""

from __future__ import annotations

from .errors import ConfigError
from .guards import is_credential
from .paramnames import SECRETS_PREFIX, batch_key, split_selector
from .partitions import PARTITION_IDS, REGION_CHARS
from .redact import printable
from .values import Record, ascii_digits

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import TypeVar

    T = TypeVar("T")

__all__ = [
    "ALNUM",
    "PARAMETER_CHARS",
    "SECRET_CHARS",
    "LABEL_CHARS",
    "is_variable_name",
    "split_variable",
    "expand",
    "split_optional",
    "split_selector",
    "batch_key",
    "parse_parameter_arn",
    "arn_location",
    "SecretRef",
    "parse_secret",
    "ParameterRef",
    "parse_ref",
    "SECRETS_PREFIX",
    "SECRET_REFERENCE_PREFIX",
    "COLLISION_MODES",
]

#: The prefix that marks a variable's value as a Secrets Manager reference.
SECRET_REFERENCE_PREFIX = "secretsmanager:"

#: Parameter Store's names for Secrets Manager secrets ("Referencing AWS Secrets Manager secrets
#: from Parameter Store parameters").
#: SSM_ENV_COLLISION: ``error`` (two sources for one variable stop the start) or ``later-wins``.
COLLISION_MODES = ("error", "later-wins")

# The character sets of names, shared with settings.py (which imports them from here).
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_SRC_NAME_START = frozenset(ALNUM[:52] + "_")
_SRC_NAME_CHARS = frozenset(ALNUM + "_")
# Parameter names: letters, digits and _ . - / ("Requirements and constraints for parameter
# names", Parameter Store user guide).
PARAMETER_CHARS = frozenset(ALNUM + "_.-/")
# Secret names: letters, digits and /_+=.@- ("CreateSecret", Name, Secrets Manager API reference).
SECRET_CHARS = frozenset(ALNUM + "/_+=.@-")
# Version stages are 1 to 256 characters of the same set in practice (AWSCURRENT, AWSPREVIOUS,
# custom labels); version ids are UUIDs (32 to 64 characters, "VersionId", API reference).
_SRC_STAGE_CHARS = frozenset(ALNUM + "_.-+=@/")
_SRC_VERSION_ID_CHARS = frozenset(ALNUM + "-")
# A label: letters, digits, period, hyphen, underscore ("Working with parameter labels").
LABEL_CHARS = frozenset(ALNUM + "_.-")


def is_variable_name(name: str) -> bool:
    """``[A-Za-z_][A-Za-z0-9_]*``: what POSIX shells and every runtime pass through."""
    return bool(name) and name[0] in _SRC_NAME_START and not set(name) - _SRC_NAME_CHARS


def expand(text: str, setting: str, environ: Mapping[str, str], *, variables: bool = True) -> str:
    """``${VAR}`` replaced by ``environ[VAR]`` (the environment the wrapper started with), one
    pass: what a value holds is never expanded again. ``$$`` is a literal ``$``. An undefined
    variable, a ``${`` without its ``}`` or a ``$`` followed by anything else is an error naming
    the setting: parameter and secret names cannot hold ``$``, so ``$STAGE`` is a typo for
    ``${STAGE}``, never something to pass on. ``variables=False``: a part of an item that is
    syntax, not a name (a selector, a json-key): ``$$`` only, any ``${VAR}`` is an error."""
    if "$" not in text:
        return text
    out: list[str] = []
    at = 0
    while True:
        dollar = text.find("$", at)
        if dollar < 0:
            out.append(text[at:])
            return "".join(out)
        out.append(text[at:dollar])
        after = text[dollar + 1 : dollar + 2]
        if after == "$":
            out.append("$")
            at = dollar + 2
            continue
        close = text.find("}", dollar + 2) if after == "{" else -1
        name = text[dollar + 2 : close] if close >= 0 else ""
        if not is_variable_name(name):
            raise ConfigError(
                f"{setting}: {printable(text.strip())!r} has a '$' that is not ${{VARIABLE}}; "
                "write ${NAME} for a variable of the environment, $$ for a literal $"
            )
        if not variables:
            raise ConfigError(
                f"{setting}: {printable(text.strip())!r}: ${{{name}}} is expanded only inside "
                "a parameter name or secret id, never in VAR=, a :version, :label, json-key "
                "or version part; write that part itself"
            )
        if is_credential(name):
            # A setting's text reaches log lines and errors: credentials never go into one.
            raise ConfigError(
                f"{setting}: ${{{name}}} names a credential, which is never expanded; "
                "write the text itself"
            )
        if name not in environ:
            raise ConfigError(
                f"{setting}: ${{{name}}} is not set in the environment the wrapper started "
                f"with; set {name}, or write $$ for a literal $"
            )
        out.append(environ[name])
        at = close + 1


def split_optional(text: str) -> tuple[str, bool]:
    """``/a?`` -> ``("/a", True)``: a ``?`` at the very end marks an item that may be missing.
    Neither parameter names nor secret names may hold ``?``, so the mark is unambiguous."""
    text = text.strip()
    if text.endswith("?"):
        return text[:-1].rstrip(), True
    return text, False


def arn_location(arn: str) -> tuple[str, str]:
    """``(partition, region)`` of an ARN already parsed by this module."""
    parts = arn.split(":", 4)
    return parts[1], parts[3]


def _arn_head(text: str, service: str, setting: str, item: str) -> list[str]:
    parts = text.split(":", 5)
    if (
        len(parts) != 6
        or parts[1] not in PARTITION_IDS
        or parts[2] != service
        or not parts[3]
        or set(parts[3]) - REGION_CHARS
        or not (len(parts[4]) == 12 and ascii_digits(parts[4]))
    ):
        raise ConfigError(
            f"{setting}: {printable(item.strip())!r} is not a valid {service} ARN "
            f"(expected arn:PARTITION:{service}:REGION:ACCOUNT-ID:"
            + ("parameter/NAME" if service == "ssm" else "secret:NAME")
            + ")"
        )
    return parts


def parse_parameter_arn(text: str, setting: str, item: str) -> tuple[str, str]:
    """``arn:aws:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR]`` -> ``(ARN, selector)``: the form
    GetParameters needs for a parameter shared from another account (AWS RAM)."""
    parts = _arn_head(text, "ssm", setting, item)
    resource, colon, chosen = parts[5].partition(":")
    name = resource[len("parameter/") :] if resource.startswith("parameter/") else ""
    if (
        not name
        or name.startswith("/")
        or name.endswith("/")
        or "//" in name
        or set(name) - PARAMETER_CHARS
    ):
        raise ConfigError(
            f"{setting}: {printable(item.strip())!r} is not a valid parameter ARN "
            "(the resource must be parameter/NAME, letters, digits and . - _ /)"
        )
    if colon and (not chosen or set(chosen) - LABEL_CHARS):
        raise ConfigError(
            f"{setting}: {printable(item.strip())!r} has a bad selector; use ARN:VERSION or "
            "ARN:LABEL"
        )
    return ":".join(parts[:5] + [resource]), (colon + chosen if colon else "")


class ParameterRef(Record):
    """One parameter asked for by name: ``[VARIABLE=]NAME[:SELECTOR]``.

    ``selector`` is ``""``, ``":3"`` (a version) or ``":label"``; ``variable`` is the variable to
    set (``None``: named after the parameter). ``requested`` is what GetParameters is sent.
    ``name`` may be a parameter's full ARN (a parameter shared from another account);
    ``optional`` (a trailing ``?``) lets it be missing.
    """

    __slots__ = ("name", "selector", "variable", "optional")
    name: str
    selector: str
    variable: str | None
    optional: bool

    def __init__(
        self,
        name: str,
        selector: str = "",
        variable: str | None = None,
        optional: bool = False,
    ) -> None:
        self._set(name=name, selector=selector, variable=variable, optional=bool(optional))

    @property
    def requested(self) -> str:
        return self.name + self.selector


def split_variable(text: str, setting: str, item: str, form: str = "") -> tuple[str, str]:
    """``VAR=REST`` (or ``VAR``) as ``(VAR, REST)``; an error naming ``setting`` and the item
    when VAR is no variable name (``form`` adds how the item is written)."""
    target, _, rest = text.partition("=")
    target = target.strip()
    if not is_variable_name(target):
        raise ConfigError(
            f"{setting}: {printable(target)!r} in {printable(item.strip())!r} is not a "
            f"variable name (letters, digits and _, not starting with a digit){form}"
        )
    return target, rest.strip()


def parse_ref(
    item: str,
    variable: str,
    *,
    allow_variable: bool = True,
    environ: Mapping[str, str] | None = None,
) -> ParameterRef:
    """Parse ``[VAR=]NAME[:SELECTOR][?]``, NAME a name or a parameter's full ARN; an error names
    ``variable`` (the setting) and the item. With ``environ``, ``${VAR}`` is expanded in NAME
    only, once the item is parsed as written: an expansion is part of the name (or the whole
    ARN), never ``VAR=``, a selector or ``?``."""
    text, optional = split_optional(item)
    target = None
    if allow_variable and not text.startswith(("/", "arn:")) and "=" in text:
        target, text = split_variable(text, variable, item)
    if environ is not None and "$" in text:
        # A ${VAR} holds no ':', so the selector split of the written text is the item's own.
        base, selector = split_selector(text)
        name = expand(base, variable, environ)
        selector = expand(selector, variable, environ, variables=False)
        ref = _as_written(item, variable, lambda: _ref_body(name + selector, variable, item))
        if ref.name != name or ref.selector != selector:
            raise _not_valid_expanded(item, variable)
    else:
        ref = _ref_body(text, variable, item)
    return ParameterRef(ref.name, ref.selector, target, optional)


def _ref_body(text: str, variable: str, item: str) -> ParameterRef:
    """``NAME[:SELECTOR]`` or ``ARN[:SELECTOR]`` checked, without VAR= and ``?``."""
    if text.startswith("arn:"):
        # A parameter shared from another account (AWS RAM): GetParameters takes it only as its
        # full ARN ("Working with shared parameters", Systems Manager user guide).
        return ParameterRef(*parse_parameter_arn(text, variable, item))
    name, selector = text, ""
    if ":" in text:
        # Parameter names never hold ':', so the last one starts the selector.
        name, _, chosen = text.rpartition(":")
        if not chosen or set(chosen) - LABEL_CHARS or ":" in name:
            raise ConfigError(
                f"{variable}: {printable(item.strip())!r} has a bad selector; use NAME:VERSION "
                "or NAME:LABEL (or a parameter's full ARN, arn:aws:ssm:...:parameter/NAME)"
            )
        selector = ":" + chosen
    allowed = SECRET_CHARS if name.startswith(SECRETS_PREFIX) else PARAMETER_CHARS
    if not name or name.endswith("/") or "//" in name or set(name) - allowed:
        raise ConfigError(
            f"{variable}: {printable(item.strip())!r} is not a valid parameter name "
            "(letters, digits and . - _ /; a secret id may also hold + = @)"
        )
    return ParameterRef(name, selector)


def _not_valid_expanded(item: str, setting: str) -> ConfigError:
    # Quoted as written: the expanded text comes from the environment, which may hold anything.
    return ConfigError(
        f"{setting}: {printable(item.strip())!r} is not valid once its ${{...}} are expanded "
        "(the expanded text is not shown); an expansion is part of a name or id, never its "
        "syntax (= : ? ,): check the variables it names"
    )


def _as_written(item: str, setting: str, parse: Callable[[], T]) -> T:
    """``parse()`` of an expanded item; its error quotes the item as written instead."""
    try:
        return parse()
    except ConfigError:
        raise _not_valid_expanded(item, setting) from None


class SecretRef(Record):
    """One secret asked for: ``secret_id`` (a name or an ARN) and ECS's ``valueFrom`` suffix
    ``json_key``, ``version_stage``, ``version_id`` (each ``""`` when not given); ``variable``
    the variable (or, for JSON secrets, the prefix) to set, ``None`` for the default."""

    __slots__ = ("secret_id", "json_key", "version_stage", "version_id", "variable", "optional")
    secret_id: str
    json_key: str
    version_stage: str
    version_id: str
    variable: str | None
    optional: bool

    def __init__(
        self,
        secret_id: str,
        json_key: str = "",
        version_stage: str = "",
        version_id: str = "",
        variable: str | None = None,
        optional: bool = False,
    ) -> None:
        self._set(
            secret_id=secret_id,
            json_key=json_key,
            version_stage=version_stage,
            version_id=version_id,
            variable=variable,
            optional=optional,
        )

    @property
    def pinned(self) -> bool:
        """Whether a version is asked: BatchGetSecretValue takes none, so GetSecretValue it is."""
        return bool(self.version_stage or self.version_id)

    @property
    def fetch_key(self) -> tuple[str, str, str]:
        return self.secret_id, self.version_stage, self.version_id

    @property
    def source(self) -> str:
        """How the secret is named in messages and logs (never its value)."""
        text = SECRET_REFERENCE_PREFIX + self.secret_id
        if self.version_stage or self.version_id:
            text += f"::{self.version_stage}:{self.version_id}".rstrip(":")
        return text

    @property
    def name(self) -> str:
        """The secret's name: the id, or the name inside an ARN without the six random
        characters Secrets Manager appends (``prod/db-AbCdEf`` -> ``prod/db``)."""
        if not self.secret_id.startswith("arn:"):
            return self.secret_id
        name = self.secret_id.split(":", 6)[6]
        # "The ARN ... ends with a hyphen and six random characters" ("Find secrets", Secrets
        # Manager user guide; the complete ARN is what the API returns).
        stem, dash, tail = name.rpartition("-")
        if dash and stem and len(tail) == 6 and tail.isalnum():
            return stem
        return name


def parse_secret(
    item: str,
    setting: str,
    *,
    allow_variable: bool = True,
    allow_key: bool = True,
    environ: Mapping[str, str] | None = None,
) -> SecretRef:
    """``[VAR=]SECRET_ID[:json-key[:version-stage[:version-id]]][?]``, the ``valueFrom`` order of
    ECS task definitions ("Pass Secrets Manager secrets through Amazon ECS environment
    variables"). SECRET_ID is a name (no ``:``) or an ARN ``arn:P:secretsmanager:R:A:secret:N``.
    With ``environ``, ``${VAR}`` is expanded in SECRET_ID only, once the item is parsed as
    written: an expansion is part of the id, never ``VAR=``, ``:`` or ``?``."""
    text, optional = split_optional(item)
    target = None
    if allow_variable and not text.startswith("arn:") and "=" in text.split(":", 1)[0]:
        target, text = split_variable(text, setting, item)
    if environ is not None and "$" in text:
        pieces = _secret_pieces(text)
        expanded = [expand(pieces[0], setting, environ)]
        expanded += [expand(piece, setting, environ, variables=False) for piece in pieces[1:]]
        ref = _as_written(
            item, setting, lambda: _secret_body(":".join(expanded), setting, item, allow_key)
        )
        # The id may be an ARN (its own colons); what follows it is only what was written.
        suffix = (ref.json_key, ref.version_stage, ref.version_id)
        if ref.secret_id != expanded[0] or list(suffix) != (expanded[1:] + ["", "", ""])[:3]:
            raise _not_valid_expanded(item, setting)
    else:
        ref = _secret_body(text, setting, item, allow_key)
    return SecretRef(
        ref.secret_id, ref.json_key, ref.version_stage, ref.version_id, target, optional
    )


def _secret_pieces(text: str) -> list[str]:
    """The id and the ``:``-separated parts after it, as written (a ``${VAR}`` holds no ``:``);
    a written ARN keeps its own six parts in the id."""
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        resource = parts[-1].split(":")
        if len(parts) == 6 and len(resource) >= 2:
            return [":".join(parts[:5] + resource[:2])] + resource[2:]
        return [text]
    return text.split(":")


def _secret_body(text: str, setting: str, item: str, allow_key: bool) -> SecretRef:
    """``SECRET_ID[:json-key[:version-stage[:version-id]]]`` checked, without VAR= and ``?``."""
    if text.startswith("arn:"):
        parts = _arn_head(text, "secretsmanager", setting, item)
        resource = parts[5].split(":")
        if resource[0] != "secret" or len(resource) < 2:
            raise ConfigError(
                f"{setting}: {printable(item.strip())!r} is not a valid secret ARN "
                "(expected arn:PARTITION:secretsmanager:REGION:ACCOUNT-ID:secret:NAME)"
            )
        secret_id = ":".join(parts[:5] + resource[:2])
        name, suffix = resource[1], resource[2:]
    else:
        name, *suffix = text.split(":")
        secret_id = name
    if len(suffix) > 3:
        raise ConfigError(
            f"{setting}: {printable(item.strip())!r} has too many ':' parts; the form is "
            "SECRET_ID[:json-key[:version-stage[:version-id]]]"
        )
    json_key, stage, version_id = (suffix + ["", "", ""])[:3]
    # "Name ... can contain ASCII letters, numbers, and /_+=.@-", up to 512 characters
    # (CreateSecret, Secrets Manager API reference).
    if not name or len(name) > 512 or set(name) - SECRET_CHARS:
        raise ConfigError(
            f"{setting}: {printable(item.strip())!r} is not a valid secret id (a name of "
            "letters, digits and / _ + = . @ -, or the secret's ARN)"
        )
    if stage and set(stage) - _SRC_STAGE_CHARS:
        raise ConfigError(f"{setting}: {printable(item.strip())!r} has a bad version stage")
    if version_id and (set(version_id) - _SRC_VERSION_ID_CHARS or len(version_id) > 64):
        raise ConfigError(f"{setting}: {printable(item.strip())!r} has a bad version id")
    if json_key and not allow_key:
        raise ConfigError(
            f"{setting}: {printable(item.strip())!r} names a JSON key; every key of the secret "
            "becomes a variable here (use SSM_ENV_SECRETS for one key); leave it empty: "
            "SECRET_ID::STAGE"
        )
    return SecretRef(secret_id, json_key, stage, version_id)
