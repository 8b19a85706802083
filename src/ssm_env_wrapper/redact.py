# SPDX-License-Identifier: Apache-2.0
"""What may reach a log line or an error message: secrets masked, control characters escaped.

One rule for every secret, used by the log and by the SSM client's errors alike:

- any run of ``SECRET_RUN`` (12) or more characters of a secret is replaced by ``***``, wherever
  it appears: an endpoint that echoes the first 20 characters of the session token in an error
  code or a content type must not print them;
- a secret shorter than ``SECRET_RUN`` but of ``SECRET_SHORT`` (8) characters or more is masked
  where it appears whole. A lower bar for runs would mask the words and paths messages are made
  of ("Parameter", "/aws/reference") wherever a value happens to share them; strings under 8
  characters ("1", "prod") are left alone, as masking them garbles messages and protects
  nothing. AWS's own secrets are far longer (a secret key has 40 characters, a session token
  hundreds), so the run rule is what guards them.

Cost: the secrets are indexed once (lazily) as the set of their non-overlapping 6-character
chunks; a run of 12 characters of a secret always holds a whole one (12 >= 2 * 6 - 1). A line
that shares no chunk with a secret costs one set look-up a character. Around a chunk found in
the text, the (at most 7) 12-character windows that hold it are compared, slice to slice, with
the places that chunk has in the secrets holding it (indexed on first need, repetitions
collapsed): linear in the text, whatever an endpoint echoes.

``printable`` escapes what could forge or hide a line: C0 and C1 controls, DEL, the Unicode line
and paragraph separators, bidirectional overrides and isolates, zero-width and other format
characters (everything ``str.isprintable`` refuses), as Python escapes (``\\n``, ``\\x1b``,
``\\u202e``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Redactor", "printable", "answer_name", "SECRET_RUN", "SECRET_SHORT", "MASK_TEXT"]

#: A run of a secret this long is masked wherever it appears.
SECRET_RUN = 12
#: Secrets shorter than SECRET_RUN are masked whole from this length on; shorter ones never.
SECRET_SHORT = 8
MASK_TEXT = "***"

# SECRET_RUN >= 2 * _CHUNK - 1: every common run of SECRET_RUN characters holds a whole chunk of
# the secret cut at multiples of _CHUNK.
_CHUNK = 6
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
        self._chunks: set[str] | None = None  # every aligned chunk of every long secret (lazy)
        self._chunk_sets: list[frozenset[str]] = []  # each long secret's aligned chunks (lazy)
        # secret number -> chunk -> {(the chunk with up to 6 characters either side, its offset)}
        self._contexts: dict[int, dict[str, set[tuple[str, int]]]] = {}
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

    def _index(self) -> set[str]:
        if self._chunks is None:
            self._chunk_sets = [
                frozenset(
                    [secret[at : at + _CHUNK] for at in range(0, len(secret) - _CHUNK + 1, _CHUNK)]
                )
                for secret in self._long
            ]
            self._chunks = set().union(*self._chunk_sets)
        return self._chunks

    def _contexts_of(self, number: int) -> dict[str, set[tuple[str, int]]]:
        # Built only for a secret one of whose chunks a text holds (the error path), then kept.
        # A repetitive secret ("aaaa...") collapses to a few contexts: the work stays bounded.
        contexts = self._contexts.get(number)
        if contexts is None:
            secret = self._long[number]
            contexts = {}
            for at in range(0, len(secret) - _CHUNK + 1, _CHUNK):
                left = at - (SECRET_RUN - _CHUNK) if at > SECRET_RUN - _CHUNK else 0
                contexts.setdefault(secret[at : at + _CHUNK], set()).add(
                    (secret[left : at + SECRET_RUN], at - left)
                )
            self._contexts[number] = contexts
        return contexts

    def redact(self, text: str) -> str:
        """``text`` with every run of ``SECRET_RUN``+ characters of a secret (and every short
        secret found whole) replaced by ``***``."""
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
            holders: dict[str, list[set[tuple[str, int]]]] = {}  # chunk -> contexts holding it
            marked: set[int] = set()  # starts of windows found to be runs of a secret
            last = len(text) - SECRET_RUN
            for at in range(len(text) - _CHUNK + 1):
                chunk = text[at : at + _CHUNK]
                if chunk not in chunks:
                    continue
                found = holders.get(chunk)
                if found is None:
                    found = holders[chunk] = [
                        self._contexts_of(number)[chunk]
                        for number, own in enumerate(self._chunk_sets)
                        if chunk in own
                    ]
                # A window of SECRET_RUN characters that is a run of a secret holds one of the
                # secret's aligned chunks, starting at most SECRET_RUN - _CHUNK characters in.
                for start in range(max(0, at + _CHUNK - SECRET_RUN), min(at, last) + 1):
                    if start in marked:
                        continue
                    window = text[start : start + SECRET_RUN]
                    shift = at - start
                    if any(
                        context[offset - shift : offset - shift + SECRET_RUN] == window
                        for contexts in found
                        for context, offset in contexts
                        if offset >= shift
                    ):
                        marked.add(start)
                        spans.append((start, start + SECRET_RUN))
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


def answer_name(text: str, limit: int = 120) -> str:
    """A name or key from an answer, safe in a one-line message: control and non-ASCII characters
    escaped (a line break cannot start a forged line), long ones cut."""
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."
