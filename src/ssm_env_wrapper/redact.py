"""What may reach a log line or an error message: secrets masked, control characters escaped.

One rule for every secret, used by the log and by the SSM client's errors alike:

- any run of ``SECRET_RUN`` (12) or more characters of a secret is replaced by ``***``, wherever it
  appears: an endpoint that echoes the first 20 characters of the session token in an error code
  or a content type must not print them;
- a secret shorter than ``SECRET_RUN`` but of ``SECRET_SHORT`` (8) characters or more is masked where it appears
  whole. A shorter bar for short secrets would mask any 8-character run of every value, and with
  it the words and paths messages are made of ("Parameter", "/aws/reference"); strings under 8
  characters ("1", "prod") are left alone, as masking them garbles messages and protects nothing.
  AWS's own secrets are far longer (a secret key has 40 characters, a session token hundreds).

Cost: secrets are indexed lazily, by their non-overlapping 6-character chunks (a common run of
12 characters always holds a whole chunk, since 12 >= 2 * 6 - 1); only a secret with a chunk in
the text gets its set of 12-character windows built (once, then kept), and the text is scanned
once against those: linear in the text, whatever it holds. It runs on every log line but costs
little when nothing matches (one dictionary look-up a character).

``printable`` escapes what could forge or hide a line: C0 and C1 controls, DEL, the Unicode line
and paragraph separators, bidirectional overrides and isolates, zero-width and other format
characters (everything ``str.isprintable`` refuses), as Python escapes (``\\n``, ``\\x1b``,
``\\u202e``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Redactor", "printable", "SECRET_RUN", "SECRET_SHORT", "MASK_TEXT"]

#: A run of a secret this long is masked wherever it appears.
SECRET_RUN = 12
#: Secrets shorter than SECRET_RUN are masked whole from this length on; shorter ones never.
SECRET_SHORT = 8
MASK_TEXT = "***"

_CHUNK = 6  # SECRET_RUN >= 2 * _CHUNK - 1: every common run of SECRET_RUN characters holds an aligned chunk
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every character ``str.isprintable`` refuses written as a Python escape:
    one line, no terminal controls, no reordering. Idempotent."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


class Redactor:
    """One set of secrets and the rule above. ``add``/``append``/``extend``/``+=`` take more
    secrets (non-strings and strings under ``SECRET_SHORT`` characters are ignored); calling it, or
    ``redact``, masks a text."""

    def __init__(self, secrets: Iterable[object] = ()) -> None:
        self._seen: set[str] = set()
        self._long: list[str] = []
        self._short: list[str] = []
        self._chunks: dict[str, set[int]] | None = None  # chunk -> secrets (built lazily)
        self._windows: dict[int, frozenset[str]] = {}  # secret -> its SECRET_RUN-character windows
        self.extend(secrets)

    def __repr__(self) -> str:  # never the secrets themselves
        return f"Redactor({len(self._seen)} secrets)"

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, secret: object) -> None:
        if not isinstance(secret, str) or len(secret) < SECRET_SHORT or secret in self._seen:
            return
        self._seen.add(secret)
        # A message may carry the secret raw or already escaped (an exception's text is escaped
        # before the log sees it): both forms are masked.
        for form in dict.fromkeys((secret, printable(secret))):
            if len(form) >= SECRET_RUN:
                self._long.append(form)
                self._chunks = None
            else:
                self._short.append(form)

    append = add

    def extend(self, secrets: Iterable[object]) -> None:
        for secret in secrets:
            self.add(secret)

    def __iadd__(self, secrets: Iterable[object]) -> Redactor:
        self.extend(secrets)
        return self

    def _index(self) -> dict[str, set[int]]:
        if self._chunks is None:
            chunks: dict[str, set[int]] = {}
            for number, secret in enumerate(self._long):
                for at in range(0, len(secret) - _CHUNK + 1, _CHUNK):
                    chunks.setdefault(secret[at:at + _CHUNK], set()).add(number)
            self._chunks = chunks
        return self._chunks

    def _windows_of(self, number: int) -> frozenset[str]:
        windows = self._windows.get(number)
        if windows is None:
            secret = self._long[number]
            windows = frozenset(secret[at:at + SECRET_RUN] for at in range(len(secret) - SECRET_RUN + 1))
            self._windows[number] = windows
        return windows

    def redact(self, text: str) -> str:
        """``text`` with every run of ``SECRET_RUN``+ characters of a secret (and every short secret
        found whole) replaced by ``***``."""
        if not text or not self._seen:
            return text
        spans: list[tuple[int, int]] = []
        for secret in self._short:
            at = text.find(secret)
            while at >= 0:
                spans.append((at, at + len(secret)))
                at = text.find(secret, at + 1)
        if self._long and len(text) >= SECRET_RUN:
            chunks = self._index()
            candidates: set[int] = set()
            last: set[int] | None = None
            for at in range(len(text) - _CHUNK + 1):
                found = chunks.get(text[at:at + _CHUNK])
                if found is not None and found is not last:
                    candidates |= found
                    last = found
            if candidates:
                windows = [self._windows_of(number) for number in candidates]
                if len(windows) > 1:
                    windows = [frozenset().union(*windows)]
                known = windows[0]
                for at in range(len(text) - SECRET_RUN + 1):
                    if text[at:at + SECRET_RUN] in known:
                        spans.append((at, at + SECRET_RUN))
        if not spans:
            return text
        spans.sort()
        out: list[str] = []
        done = 0  # text[:done] is written
        start, end = spans[0]
        for begin, finish in spans[1:] + [(len(text) + 1, len(text) + 1)]:
            if begin <= end:  # overlapping or touching: one mask
                end = max(end, finish)
                continue
            out.append(text[done:start])
            out.append(MASK_TEXT)
            done = end
            start, end = begin, finish
        out.append(text[done:])
        return "".join(out)

    __call__ = redact
