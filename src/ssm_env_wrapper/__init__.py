# SPDX-License-Identifier: Apache-2.0
"""ssm-env-wrapper: AWS SSM Parameter Store into the environment, then exec; standard library only.

As an AWS Lambda exec wrapper (``AWS_LAMBDA_EXEC_WRAPPER``), as a command line tool
(``ssm-env-wrapper -- CMD ...``), or in code::

    import ssm_env_wrapper
    values = ssm_env_wrapper.load_parameters("/prod/myapp")   # {"DB_HOST": "...", ...}
    ssm_env_wrapper.apply_environment()                       # the wrapper's settings, in-process
"""

from __future__ import annotations

from .credentials import Credentials
from .errors import (
    AwsApiError,
    CommandNotFoundError,
    ConfigError,
    CredentialsError,
    DeadlineError,
    EndpointError,
    LoadSizeError,
    NameCollisionError,
    ProtectedNameError,
    RequiredVariableError,
    SsmEnvError,
)
from .loader import LoadResult, apply_environment, apply_variables, load, load_parameters
from .main import main
from .naming import variable_name
from .settings import Settings
from .version import __version__

__all__ = [
    "__version__",
    "load_parameters",
    "apply_environment",
    "apply_variables",
    "load",
    "LoadResult",
    "Settings",
    "Credentials",
    "variable_name",
    "main",
    "SsmEnvError",
    "ConfigError",
    "CredentialsError",
    "CommandNotFoundError",
    "EndpointError",
    "DeadlineError",
    "AwsApiError",
    "LoadSizeError",
    "NameCollisionError",
    "ProtectedNameError",
    "RequiredVariableError",
]
