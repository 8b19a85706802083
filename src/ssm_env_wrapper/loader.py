"""Loading: fetch every parameter of the configured paths and map them to variables.

This is the in-code API as well as the wrapper's middle step::

    from ssm_env_wrapper import load_parameters, apply_environment
    values = load_parameters("/prod/myapp")   # {"DB_HOST": "...", ...}
    apply_environment()                       # the wrapper's settings, applied to os.environ
"""

from __future__ import annotations

import os
import sys

from .credentials import Credentials, credentials_from_environ
from .endpoint import endpoint_from_environ, parse_endpoint_url, region_from_environ
from .errors import SsmEnvError
from .naming import map_names
from .settings import Settings, normalize_path
from .ssm import DEFAULT_TIMEOUT, SsmClient

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, MutableMapping

__all__ = ["LoadResult", "load", "load_parameters", "apply_variables", "apply_environment"]


class LoadResult:
    """What one load produced: ``variables`` (name -> value) and where each came from.

    ``repr`` lists variable names only, never values.
    """

    __slots__ = ("variables", "parameters", "paths", "requests", "connections")

    def __init__(self, variables: dict[str, str], parameters: dict[str, str], paths: tuple[str, ...],
                 requests: int = 0, connections: int = 0) -> None:
        self.variables = variables      #: variable name -> value
        self.parameters = parameters    #: variable name -> the parameter name it came from
        self.paths = paths
        self.requests = requests
        self.connections = connections

    def __repr__(self) -> str:
        return (f"LoadResult(variables={sorted(self.variables)!r}, paths={self.paths!r}, "
                f"requests={self.requests})")


def load(settings: Settings, environ: Mapping[str, str] | None = None, *,
         credentials: Credentials | None = None, region: str | None = None,
         endpoint_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> LoadResult:
    """Load what ``settings`` name. Arguments given here win over the environment."""
    if environ is None:
        environ = os.environ
    if not settings.has_sources:
        return LoadResult({}, {}, ())
    region = region or region_from_environ(environ)
    endpoint = (parse_endpoint_url(endpoint_url, "endpoint_url") if endpoint_url
                else endpoint_from_environ(region, environ))
    credentials = credentials or credentials_from_environ(environ)
    ca_bundle = environ.get("AWS_CA_BUNDLE", "").strip() or None
    pairs: list[tuple[str, str]] = []
    with SsmClient(endpoint, credentials, region, timeout=timeout, ca_bundle=ca_bundle) as client:
        # All paths go to one endpoint, so they share the client's one kept-alive connection.
        for path in settings.paths:
            for parameter in client.get_parameters_by_path(path, settings.recursive):
                pairs.append((parameter["Name"], parameter["Value"]))
        requests, connections = client.requests, client.connections
    mapped = map_names(pairs)
    return LoadResult({var: value for var, (_, value) in mapped.items()},
                      {var: name for var, (name, _) in mapped.items()},
                      settings.paths, requests, connections)


def load_parameters(paths: str | Iterable[str], *, recursive: bool = False,
                    environ: Mapping[str, str] | None = None, credentials: Credentials | None = None,
                    region: str | None = None, endpoint_url: str | None = None,
                    timeout: float = DEFAULT_TIMEOUT) -> dict[str, str]:
    """Fetch every parameter under ``paths`` (SecureStrings decrypted, all pages) and return
    ``{variable name: value}``. Credentials, region and endpoint come from the environment unless
    given. Raises SsmEnvError (or a subclass) with a one-line message."""
    if isinstance(paths, str):
        paths = [paths]
    normalized: list[str] = []
    for path in paths:
        path = normalize_path(path, "path")
        if path not in normalized:
            normalized.append(path)
    result = load(Settings(tuple(normalized), recursive), environ, credentials=credentials,
                  region=region, endpoint_url=endpoint_url, timeout=timeout)
    return result.variables


def apply_variables(result: LoadResult, environ: MutableMapping[str, str] | None = None) -> None:
    """Set every variable of ``result`` in ``environ`` (default ``os.environ``), or none of them:
    each value is checked first, so a bad one never leaves the environment half-configured."""
    if environ is None:
        environ = os.environ
    encoding = sys.getfilesystemencoding()
    for variable, value in result.variables.items():
        problem = ""
        if "\0" in value:
            problem = "contains a NUL character, which no environment variable can carry"
        else:
            try:
                value.encode(encoding, "surrogateescape")
            except UnicodeEncodeError:
                problem = f"cannot be encoded as {encoding} for the environment"
        if problem:
            raise SsmEnvError(f"parameter {result.parameters[variable]} (variable {variable}): its "
                              f"value {problem}; change the parameter's value")
    for variable, value in result.variables.items():
        environ[variable] = value


def apply_environment(environ: MutableMapping[str, str] | None = None) -> LoadResult:
    """Do what the wrapper does before exec, in-process: read the settings from ``environ``
    (default ``os.environ``), load, and set the variables there. Returns the LoadResult."""
    if environ is None:
        environ = os.environ
    result = load(Settings.from_environ(environ), environ)
    apply_variables(result, environ)
    return result
