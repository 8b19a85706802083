# SPDX-License-Identifier: Apache-2.0
"""JSON object values (SSM_ENV_JSON_NAMES, a secret's ``:json-key``), read strictly, each member
becoming a variable's text exactly as stored.

Python's ``json`` is lenient where a variable must not be: it takes ``NaN`` and ``Infinity``
(not JSON, RFC 8259 section 6: "Numeric values that cannot be represented ... such as Infinity
and NaN are not permitted"), turns ``1e400`` into infinity and
``123456789012345678901234567890.5`` into a float that has lost digits, and keeps the last of a
repeated key. Here a number is kept as the text it was written in (``JsonNumber``), a non-number
constant and a repeated key are errors, and a member that is not a string becomes compact JSON
with its numbers as written.
"""

from __future__ import annotations

from .advice import oversized
from .errors import SsmEnvError
from .redact import answer_name

__all__ = [
    "JsonNumber",
    "loads_exact",
    "json_object",
    "json_member",
    "MAX_NUMBER_DIGITS",
    "refuse_oversized",
]

# Python's int-string conversion limit (sys.int_info.default_max_str_digits, CPython 3.11 and the
# 3.9/3.10 security releases): a number longer than this is refused on every version, so that a
# value loads the same everywhere and no caller's int() of a variable meets the limit.
MAX_NUMBER_DIGITS = 4300


def refuse_oversized(where: str, value: str) -> None:
    """Raise SsmEnvError when ``value`` is over ``advice.VALUE_LIMIT``: a JSON document is
    checked so before it is parsed (parsing costs memory with its size, and no service stores
    one so large)."""
    size = oversized(value)
    if size:
        raise SsmEnvError(
            f"{where} is {size} bytes, more than one environment variable can hold (128 KiB, "
            "MAX_ARG_STRLEN); store a smaller value"
        )


class JsonNumber(str):
    """A JSON number as the text it was written in (``-0``, ``1.50``, ``1e400`` stay so)."""

    __slots__ = ()


class _RepeatedKey(ValueError):
    pass


class _LongNumberText(ValueError):
    pass


class _NotJsonConstant(ValueError):
    pass


def _pairs_once(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object without repeated keys: json keeps the last silently, which would make a
    variable's value depend on the order a careless writer typed."""
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise _RepeatedKey(key)
        document[key] = value
    return document


def _number_text(text: str) -> JsonNumber:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _LongNumberText(text)
    return JsonNumber(text)


def _no_constant(text: str) -> object:
    raise _NotJsonConstant(f"{text} is not a JSON value")


def loads_exact(text: str) -> object:
    """``json.loads`` without its extensions: numbers as ``JsonNumber`` text, NaN and Infinity
    refused, repeated keys refused. Raises ValueError (or RecursionError when nested too deep)."""
    import json

    return json.loads(
        text,
        object_pairs_hook=_pairs_once,
        parse_int=_number_text,
        parse_float=_number_text,
        parse_constant=_no_constant,
    )


def json_object(where: str, value: str, alternative: str) -> dict[str, object]:
    """A JSON object value, strictly: no repeated key, no huge number, not too deep, and not
    larger than one variable can hold (checked before parsing: parsing costs memory with size)."""
    refuse_oversized(where, value)
    try:
        document = loads_exact(value)
    except _RepeatedKey as exc:
        raise SsmEnvError(
            f"{where} holds the key {answer_name(str(exc.args[0]))} twice; keep one"
        ) from None
    except _LongNumberText:
        raise SsmEnvError(
            f"{where} holds a number of more than {MAX_NUMBER_DIGITS} digits; store it as a string"
        ) from None
    except _NotJsonConstant:
        raise SsmEnvError(
            f"{where} is not valid JSON (NaN, Infinity and -Infinity are not JSON numbers); "
            f"store the value as a string or move it to {alternative}"
        ) from None
    except RecursionError:
        raise SsmEnvError(
            f"{where} is nested too deeply to parse; store a flatter JSON object"
        ) from None
    except ValueError as exc:
        raise SsmEnvError(
            f"{where} is not valid JSON ({getattr(exc, 'msg', 'parse error')}); store "
            f"a JSON object or move it to {alternative}"
        ) from None
    if not isinstance(document, dict):
        raise SsmEnvError(
            f'{where} is JSON but not an object; store {{"KEY": "value", ...}} '
            f"or move it to {alternative}"
        )
    return document


def _compact(item: object) -> str:
    """``json.dumps(item, separators=(",", ":"))``, but a ``JsonNumber`` as its own text."""
    import json

    if isinstance(item, JsonNumber):
        return str.__str__(item)
    if isinstance(item, dict):
        members = (json.dumps(key) + ":" + _compact(value) for key, value in item.items())
        return "{" + ",".join(members) + "}"
    if isinstance(item, list):
        return "[" + ",".join(_compact(value) for value in item) + "]"
    return json.dumps(item)  # a string, true, false or null


def json_member(where: str, key: str, item: object) -> str:
    """A JSON member as a variable's value: a string as it is, a number as written, anything
    else as compact JSON (its numbers as written)."""
    if isinstance(item, str):  # a JsonNumber too: its text
        return str.__str__(item)
    try:
        return _compact(item)
    except (RecursionError, ValueError):
        raise SsmEnvError(
            f"{where}: the value of key {answer_name(key)} is nested too deeply; "
            "store a flatter JSON object"
        ) from None
