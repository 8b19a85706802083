# SPDX-License-Identifier: Apache-2.0
"""The AWS shared config file (``~/.aws/config``) and credentials file, read as botocore reads them.

botocore/configloader.py is the reference: ``raw_config_parse`` parses with
``configparser.RawConfigParser`` (no interpolation, ``#`` and ``;`` comment lines, option names
lower-cased), and ``build_profile_map`` takes ``[default]`` and ``[profile NAME]`` sections of the
config file as profiles (the section name split with ``shlex``, so ``[profile "my name"]`` works;
other sections such as ``[sso-session x]`` are not profiles). The credentials file's sections are
profile names as they are. The profile is ``AWS_PROFILE`` (or ``AWS_DEFAULT_PROFILE``), else
``default``.

Only people at a terminal or in a container get here: Lambda sets credentials and ``AWS_REGION``
in the environment, so this module (and ``configparser``, ``shlex``, ``subprocess``) is never
imported on its cold path.
"""

from __future__ import annotations

import os

from .errors import ConfigError, CredentialsError
from .localfile import LocalFileError, read_local_file, size_words

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from configparser import RawConfigParser

    from .deadline import Deadline

__all__ = ["config_path", "credentials_path", "profile_name", "read_profiles", "config_region"]

# botocore reads these files whole, whatever their size; a profile takes a few lines, and a file
# of more than this in a function is a mistake (a wrong path) that would only cost start time.
CONFIG_FILE_LIMIT = 1 << 20


def _home(environ: Mapping[str, str]) -> str:
    # Without HOME, the user database (as os.path.expanduser falls back to it): never the
    # process environment, which is the entry point's to pass down.
    if environ.get("HOME"):
        return environ["HOME"]
    import pwd

    return pwd.getpwuid(os.getuid()).pw_dir


def _expand(path: str, environ: Mapping[str, str]) -> str:
    # botocore expands ~ and $VARS in the configured path (configloader.raw_config_parse), as
    # os.path.expandvars does ($NAME, ${NAME}; an unset one stays as written), but from the
    # environment passed down, not the process's.
    if path.startswith("~"):
        path = _home(environ) + path[1:]
    if "$" not in path:
        return path
    import re  # only then, as os.path.expandvars does

    return re.sub(
        r"\$(?:(\w+)|\{([^}]*)\})",
        lambda m: environ.get(m.group(1) or m.group(2), m.group(0)),
        path,
    )


def config_path(environ: Mapping[str, str]) -> str:
    """``AWS_CONFIG_FILE``, default ``~/.aws/config``."""
    return _expand(environ.get("AWS_CONFIG_FILE", "").strip() or "~/.aws/config", environ)


def credentials_path(environ: Mapping[str, str]) -> str:
    """``AWS_SHARED_CREDENTIALS_FILE``, default ``~/.aws/credentials``."""
    return _expand(
        environ.get("AWS_SHARED_CREDENTIALS_FILE", "").strip() or "~/.aws/credentials", environ
    )


def profile_name(environ: Mapping[str, str]) -> tuple[str, bool]:
    """``(profile, chosen explicitly)``: ``AWS_PROFILE``, ``AWS_DEFAULT_PROFILE``, else default."""
    profile = (environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "").strip()
    return profile or "default", bool(profile)


def read_profiles(
    path: str, *, config: bool, deadline: Deadline | None = None
) -> dict[str, dict[str, str]] | None:
    """The profiles in the INI file at ``path`` (None when there is no such file). ``config``:
    the config file's section names (``[profile NAME]``, ``[default]``); else the credentials
    file's (``[NAME]``). A file that cannot be parsed is an error naming it (never its text: it
    holds secrets); so is one over CONFIG_FILE_LIMIT, or still being read at ``deadline``."""
    kind = "config" if config else "shared credentials"
    variable = "AWS_CONFIG_FILE" if config else "AWS_SHARED_CREDENTIALS_FILE"
    error = ConfigError if config else CredentialsError
    try:
        data = read_local_file(path, CONFIG_FILE_LIMIT, deadline)
    except LocalFileError as exc:
        # As botocore: what is not a regular file (os.path.isfile) or cannot be opened
        # (configparser's read skips it) holds no profiles. /dev/null is a common way to say so.
        if exc.kind in ("absent", "closed", "special"):
            return None
        if exc.kind == "large":
            problem = f"is larger than {size_words(CONFIG_FILE_LIMIT)}, which no profile needs"
        elif exc.kind == "late":
            problem = (
                f"could not be read within SSM_ENV_TIMEOUT ({exc.reason.partition('within ')[2]})"
            )
        else:
            problem = f"cannot be read ({exc.reason})"
        raise error(
            f"the {kind} file {path} {problem}; fix it or point {variable} at another file"
        ) from exc
    import configparser
    import re

    class Parser(configparser.RawConfigParser):
        # The stock pattern (".*?" then "\\s*" before the delimiter) backtracks quadratically
        # on a run of blanks with no delimiter; this finds the same first '=' or ':' in linear
        # time (configparser strips the option name itself).
        OPTCRE = re.compile(r"(?P<option>[^=:]*)(?P<vi>[=:])\s*(?P<value>.*)$")

    parser = Parser()
    try:
        parser.read_string(data.decode("utf-8"), source=path)
        failure = ""
    except (configparser.Error, UnicodeDecodeError) as exc:
        failure = type(exc).__name__  # not chained: its text quotes the file (secrets)
    if failure:
        raise error(
            f"the {kind} file {path} cannot be parsed ({failure}); fix it or set {variable}"
        )
    return _profiles(parser, config)


def _profiles(parser: RawConfigParser, config: bool) -> dict[str, dict[str, str]]:
    """The parsed file's profiles by name (botocore's ``build_profile_map``)."""
    profiles: dict[str, dict[str, str]] = {}
    for section in parser.sections():
        values = {option: parser.get(section, option) for option in parser.options(section)}
        if not config:
            profiles[section] = values
        elif section == "default":
            profiles["default"] = values
        elif section.startswith("profile"):
            import shlex

            try:
                parts = shlex.split(section)
            except ValueError:
                continue  # botocore skips a section name shlex cannot split
            if len(parts) == 2:
                profiles[parts[1]] = values
    return profiles


def config_region(environ: Mapping[str, str], deadline: Deadline | None = None) -> str | None:
    """The selected profile's ``region`` in the config file, or None (no file, profile or key).
    Asked only when ``AWS_REGION`` and ``AWS_DEFAULT_REGION`` are unset, as in the SDKs."""
    profiles = read_profiles(config_path(environ), config=True, deadline=deadline)
    if not profiles:
        return None
    profile, _ = profile_name(environ)
    region = profiles.get(profile, {}).get("region", "").strip()
    return region or None
