# SPDX-License-Identifier: Apache-2.0
"""The User-Agent header, built as the SDKs build it, from the environment it is given."""

from __future__ import annotations

from .sources import ALNUM

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["user_agent"]


# User-Agent, as botocore builds it (botocore/useragent.py): each component's characters outside
# this set become "-" (sanitize_user_agent_string_component), which also rules out CR, LF and
# spaces, so no variable can inject a header or a second component.
_UA_CHARS = frozenset(ALNUM + "!$%&'*+-.^_`|~,")
# "sdk_ua_app_id ... maximum length of 50 characters" (AWS SDKs and Tools Reference Guide,
# "Application ID"); AWS_EXECUTION_ENV is Lambda's own short name (AWS_Lambda_python3.12), cut at
# the same length to keep the header bounded whatever the environment holds.
_UA_MAX = 50


def _ua_clean(text: str, allow_hash: bool = True) -> str:
    return "".join(
        c if c in _UA_CHARS or (allow_hash and c == "#") else "-" for c in text.strip()[:_UA_MAX]
    )


def user_agent(environ: Mapping[str, str]) -> str:
    """``ssm-env-wrapper/VERSION ua/2.1 os/linux lang/python#3.12.4 md/pyimpl#CPython
    [exec-env/AWS_EXECUTION_ENV] [app/AWS_SDK_UA_APP_ID]``: the SDKs' layout, so that CloudTrail's
    userAgent field and service metrics attribute the calls."""
    import sys

    from .version import __version__

    version = sys.version_info
    implementation = sys.implementation.name.capitalize().replace("Cpython", "CPython")
    parts = [
        f"ssm-env-wrapper/{_ua_clean(__version__)}",
        "ua/2.1",
        f"os/{_ua_clean(sys.platform, False)}",
        f"lang/python#{version[0]}.{version[1]}.{version[2]}",
        f"md/pyimpl#{_ua_clean(implementation)}",
    ]
    execution_env = environ.get("AWS_EXECUTION_ENV", "").strip()
    if execution_env:
        parts.append(f"exec-env/{_ua_clean(execution_env)}")
    app_id = environ.get("AWS_SDK_UA_APP_ID", "").strip()
    if app_id:
        parts.append(f"app/{_ua_clean(app_id)}")
    return " ".join(parts)
