"""Settings: read once from the environment into an immutable value.

Precedence, one rule for every setting: an explicit argument of the Python API wins over the
environment, and the environment wins over the built-in default. Both path sources are additive:
``APP_ENV``/``APP_PARAMS_PATH`` (the original contract) and ``SSM_ENV_PATHS`` are all loaded.
"""

from __future__ import annotations

import os

from .errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only; importing typing costs every cold start milliseconds
    from collections.abc import Mapping

__all__ = ["Settings", "parse_bool", "normalize_path"]

_TRUE = frozenset(("true", "1", "yes"))
_FALSE = frozenset(("false", "0", "no"))

# Parameter names (and so paths) may hold only these characters; see "Requirements and
# constraints for parameter names" in the Parameter Store user guide.
_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")

#: The variables that name something to load. With none of them set the wrapper execs at once.
SOURCE_VARIABLES = ("APP_PARAMS_PATH", "SSM_ENV_PATHS")


def parse_bool(variable: str, value: str | None, default: bool) -> bool:
    """Strict boolean: true/false/1/0/yes/no (any case); anything else names the variable."""
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(f"{variable} must be true or false (also 1/0, yes/no), got {value!r}")


def normalize_path(raw: str, variable: str) -> str:
    """``prod//app/`` -> ``/prod/app``: one leading slash, no doubled or trailing slashes."""
    path = "/" + "/".join(segment for segment in raw.strip().split("/") if segment)
    bad = sorted(set(path) - _PATH_CHARS)
    if bad:
        raise ConfigError(
            f"{variable}: {raw.strip()!r} is not a valid parameter path "
            f"(found {''.join(bad)!r}; allowed are letters, digits and . - _ /)"
        )
    return path


class Settings:
    """What to load, parsed from the environment once. Immutable.

    A hand-written value class rather than a dataclass: ``dataclasses`` imports ``inspect`` and
    ``re``, several milliseconds that every cold start would pay for nothing.
    """

    __slots__ = ("paths", "recursive")
    paths: tuple[str, ...]
    recursive: bool

    def __init__(self, paths: tuple[str, ...] = (), recursive: bool = False) -> None:
        object.__setattr__(self, "paths", tuple(paths))
        object.__setattr__(self, "recursive", bool(recursive))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Settings is immutable; cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return (self.paths, self.recursive) == (other.paths, other.recursive)

    def __hash__(self) -> int:
        return hash((self.paths, self.recursive))

    def __repr__(self) -> str:
        return f"Settings(paths={self.paths!r}, recursive={self.recursive!r})"

    @property
    def has_sources(self) -> bool:
        """True when there is anything to load."""
        return bool(self.paths)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Parse the settings from ``environ`` (default: ``os.environ``)."""
        if environ is None:
            environ = os.environ
        paths: list[str] = []
        params_path = environ.get("APP_PARAMS_PATH", "").strip()
        if params_path:
            # The original contract: /{APP_ENV}/{APP_PARAMS_PATH}, or /{APP_PARAMS_PATH}.
            app_env = environ.get("APP_ENV", "").strip()
            joined = f"{app_env}/{params_path}" if app_env else params_path
            paths.append(normalize_path(joined, "APP_PARAMS_PATH" if not app_env else "APP_ENV/APP_PARAMS_PATH"))
        for item in environ.get("SSM_ENV_PATHS", "").split(","):
            if item.strip():
                path = normalize_path(item, "SSM_ENV_PATHS")
                if path not in paths:
                    paths.append(path)
        recursive = parse_bool("SSM_ENV_RECURSIVE", environ.get("SSM_ENV_RECURSIVE"), False)
        return cls(tuple(paths), recursive)
