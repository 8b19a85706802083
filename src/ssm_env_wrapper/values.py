# SPDX-License-Identifier: Apache-2.0
"""Immutable records without ``dataclasses`` (which imports ``inspect``: milliseconds that
every cold start would pay for nothing), and the one test for ASCII digits."""

from __future__ import annotations

__all__ = ["Record", "ascii_digits"]


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is one or more of 0-9. ``str.isdigit`` also takes other scripts' digits
    (Arabic-Indic '\u0663') and superscripts ('\u00b2', which ``int()`` then refuses: a
    traceback); an account id, a port or a version is ASCII."""
    return text.isascii() and text.isdigit()


class Record:
    """Base for small immutable records: fields are the subclass's ``__slots__``, set once by
    ``__init__`` through ``_set``; equality, hashing and ``repr`` follow the fields."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **fields: object) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot delete {name}")

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"
