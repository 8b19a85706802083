# SPDX-License-Identifier: Apache-2.0
"""What the network core asks of the layer above it: the words that tell a person what to do
after a failure, and the one redactor every piece of a peer's answer goes through before it is
quoted.

The core says what happened (operation, code, targets, attempts: the structured errors) and asks
an ``Advice`` for the fix. This base names no setting: its fixes say what to check in plain
words. ``diagnostics.Diagnostics``, above the core, words the same fixes with the settings named
as their user gave them (``SSM_ENV_TIMEOUT``, ``--timeout``, ``timeout=``): one voice for people,
and a core that never learns how a setting is spelt.
"""

from __future__ import annotations

from .records import text_size
from .redact import Redactor

__all__ = [
    "Advice",
    "given",
    "one_line",
    "reason_of",
    "attempts_text",
    "VALUE_LIMIT",
    "oversized",
    "counted_size",
]

#: The most UTF-8 bytes a fetched value may have: what one environment string can carry
#: (MAX_ARG_STRLEN, 131072 bytes with "NAME=" and the NUL; guards.MAX_ENV_STRING), and far more
#: than the services store (SSM: 8 KB a parameter; Secrets Manager: 65,536 bytes a secret).
VALUE_LIMIT = 131072 - 3


def oversized(value: str) -> int:
    """The size in UTF-8 bytes of a ``value`` over VALUE_LIMIT; 0 for one within it (most values
    are decided by their length alone, without encoding them)."""
    if len(value) * 4 <= VALUE_LIMIT:
        return 0
    size = len(value.encode("utf-8", "surrogatepass"))
    return size if size > VALUE_LIMIT else 0


def counted_size(value: str) -> int:
    """What a fetched value counts in the load's budget (``records.Budget``): its UTF-8 bytes, at
    most VALUE_LIMIT + 1. A larger one is refused by name once fetched ("cannot put in the
    environment"), a clearer line than the budget's; capped, such values still take the budget
    in a few pages (a page holds at most ten, within the 4 MiB a body may have)."""
    return min(text_size(value), VALUE_LIMIT + 1)


def given(setting: str, value: object) -> str:
    """``setting`` with its ``value``, as the user would have written it: an option
    (``--timeout 1``), an argument (``timeout=1``) or a variable (``SSM_ENV_TIMEOUT=1``)."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if setting.startswith("--"):
        return f"{setting} {text}"
    if setting.endswith("="):
        return f"{setting}{text}"
    return f"{setting}={text}"


def one_line(text: str, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def reason_of(exc: BaseException) -> str:
    """A short reason for a failed connection: the OS's words, else the exception's."""
    return one_line(
        getattr(exc, "strerror", None)
        or getattr(exc, "reason", None)
        or str(exc)
        or type(exc).__name__,
        160,
    )


def attempts_text(attempts: int) -> str:
    return f"{attempts} attempt{'' if attempts == 1 else 's'}"


class Advice:
    """The fixes the core appends to its messages, and ``secrets``, the redactor of a load (the
    credentials, a credential_process's output, every value fetched), shared with the log when
    there is one. ``mask`` is what every quoted piece of a peer's answer goes through."""

    __slots__ = ("secrets",)

    def __init__(self, secrets: Redactor | None = None) -> None:
        self.secrets = Redactor() if secrets is None else secrets

    def mask(self, text: str) -> str:
        return self.secrets.redact(text)

    def quote(self, text: str, limit: int = 400) -> str:
        """A piece of a peer's answer for a message: masked, one line, at most ``limit``
        characters. Only its head is masked (whitespace may shrink, so four times the limit):
        masking costs time with the text's length, and an endpoint chooses that length. A run
        cut at the head's end is shorter than the masked run or masked itself."""
        return one_line(self.mask(str(text)[: 4 * limit]), limit)

    def remember(self, value: str) -> None:
        """A fetched value joins the secrets. A JSON object joins as its values, not its text:
        its keys are names that messages and debug lines show (``DB <- /app/doc#DB``), and a
        redactor holding the whole text would mask every key of 12 characters or more.

        A value over VALUE_LIMIT is neither indexed nor parsed: no service stores
        one (only an endpoint that is not the service sends it), and the load refuses it, JSON
        or not, before it is kept; indexing it first would cost memory with its size."""
        if oversized(value):
            return
        if value.lstrip().startswith("{"):
            # The same reading as the variables get: a number's text as written.
            from .jsonvalue import loads_exact

            try:
                document = loads_exact(value)
            except (ValueError, RecursionError):
                document = None
            if isinstance(document, dict):
                self.secrets.extend(_leaves(document))
                return
        self.secrets.add(value)

    # -- the fixes, in words that name no setting

    def endpoint_fix(self) -> str:
        """After an answer that is not the API's."""
        return "check the endpoint URL or the proxy in between"

    def unreachable_fix(self, service: str, proxy_setting: str = "") -> str:
        if proxy_setting:
            # Every byte goes through the proxy: it, not the network path, is what to check.
            return (
                f"check {proxy_setting} (the proxy the connection goes through) and what it allows"
            )
        return f"check the network path to {service} (VPC endpoint or NAT) or the endpoint URL"

    def certificate_fix(self) -> str:
        return "trust the CA that issued it, or check the endpoint URL"

    def tls_fix(self) -> str:
        """After a TLS handshake that failed on the protocol (not the certificate)."""
        return (
            "check the endpoint URL: https:// must name a port that speaks TLS (use http:// for "
            "a plain-HTTP endpoint)"
        )

    def name_fix(self) -> str:
        """After a host name the resolver says does not exist."""
        return "check the host in the endpoint URL, or the region the default host is built from"

    def throttled_fix(self, service: str) -> str:
        return f"{service} throttled this account's requests: allow more attempts or time"

    def api_fix(self, code: str) -> str:
        """What to do about an AWS error ``code`` that needs no more context."""
        return ""

    def attempts_note(self, attempts: int, max_attempts: int) -> str:
        """Appended when attempts ran out on something that might have passed."""
        return f" (after {attempts_text(attempts)} of {max_attempts})"

    def too_large(self, where: str, limit: int, exec_limit: int) -> str:
        """The load's answers came to more than ``limit`` bytes (``records.Budget``)."""
        return (
            f"{where} failed: the load's names and values came to over {limit} bytes, over the "
            f"execve limit (ARG_MAX = {exec_limit}); load fewer or smaller parameters and secrets"
        )

    def call_deadline(self, where: str, timeout: float, last: str, service: str) -> str:
        """One call ran out of time."""
        return (
            f"{where} failed: not done within {timeout:g} s (last: {last}); allow more time or "
            f"check the network path to {service}"
        )


def _leaves(document: object) -> list[str]:
    """Every string in a JSON value (a number is its text as written), and every other scalar
    as its JSON text, keys left out. Iterative: a document nested nearly as deep as the parser
    allows must not overflow here."""
    import json

    leaves: list[str] = []
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            leaves.append(item)
        else:
            leaves.append(json.dumps(item))
    return leaves
