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

Cost: the long secrets are copied once into a few joined strings (each padded with NULs to a
multiple of ``_CHUNK``, so that it starts on a chunk boundary and no two touch), and their
aligned 6-character chunks are marked in a bit filter of about ``_FILTER_BITS`` bits a chunk (a
run of 12 characters of a secret always holds a whole aligned chunk: 12 >= 2 * 6 - 1): about
1.2 bytes a character of secret, and a line that shares no chunk with a secret costs one
look-up a character. Where the filter says a chunk may be a secret's, each 12-character window
holding it is looked for in the joined secrets (a window that continues the last one found is
compared in place); across the padding only a text holding NULs could match, and would only
mask more. Texts quoted from a peer are cut before they are masked (``Advice.quote``), so
the look-ups stay bounded whatever an endpoint echoes.

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
# Filter bits per indexed chunk (at most one in 32 set: a text chunk that is no secret's passes
# for one in 32 or fewer), and the smallest filter (1 KiB).
_FILTER_BITS = 32
_FILTER_MIN = 1 << 13
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
        self._seen: set[str] = set()  # the secrets taken (references, not copies)
        self._short: list[str] = []
        self._pending: list[str] = []  # long forms not yet indexed (indexing is lazy)
        self._blocks: list[str] = []  # the long forms, padded and joined; sizes decreasing
        self._filter = bytearray()
        self._chunks = 0  # aligned chunks marked in the filter
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
                self._pending.append(form)
            else:
                self._short.append(form)

    append = add

    def extend(self, secrets: Iterable[object]) -> None:
        for secret in secrets:
            self.add(secret)

    def __iadd__(self, secrets: Iterable[object]) -> Redactor:
        self.extend(secrets)
        return self

    def _index(self) -> None:
        """Move the pending long forms into the joined blocks and the filter. Blocks merge as a
        binary counter does, so each character is copied O(log n) times however secrets arrive."""
        pending, self._pending = self._pending, []
        block = "".join(form + "\0" * (_CHUNK - len(form) % _CHUNK) for form in pending)
        blocks = self._blocks
        blocks.append(block)
        while len(blocks) > 1 and len(blocks[-2]) <= len(blocks[-1]):
            last = blocks.pop()
            blocks[-1] += last
        self._chunks += len(block) // _CHUNK
        bits = max(_FILTER_MIN, 1 << (self._chunks * _FILTER_BITS - 1).bit_length())
        if bits > len(self._filter) * 8:
            self._filter = bytearray(bits // 8)
            for each in blocks:
                self._mark(each)
        else:
            self._mark(block)

    def _mark(self, block: str) -> None:
        bits, mask = self._filter, len(self._filter) * 8 - 1
        for at in range(0, len(block), _CHUNK):
            slot = hash(block[at : at + _CHUNK]) & mask
            bits[slot >> 3] |= 1 << (slot & 7)

    def _runs(self, text: str, spans: list[tuple[int, int]]) -> None:
        """Append to ``spans`` each window of SECRET_RUN characters of ``text`` that is a run of a
        long secret."""
        if self._pending:
            self._index()
        bits, mask, blocks = self._filter, len(self._filter) * 8 - 1, self._blocks
        last = len(text) - SECRET_RUN
        tried = 0  # windows starting before this one were looked for already
        found = -2, "", 0  # the last window found: its start, the block and place it was found in
        for at in range(len(text) - _CHUNK + 1):
            slot = hash(text[at : at + _CHUNK]) & mask
            if not bits[slot >> 3] >> (slot & 7) & 1:
                continue
            # A window that is a run of a secret holds one of its aligned chunks, starting at
            # most SECRET_RUN - _CHUNK characters in.
            for start in range(max(tried, at + _CHUNK - SECRET_RUN), min(at, last) + 1):
                window = text[start : start + SECRET_RUN]
                before, block, place = found
                if before == start - 1 and block.startswith(window, place + 1):
                    found = start, block, place + 1  # the run goes on: no search
                else:
                    for block in blocks:
                        place = block.find(window)
                        if place >= 0:
                            found = start, block, place
                            break
                    else:
                        continue
                spans.append((start, start + SECRET_RUN))
            tried = max(tried, min(at, last) + 1)

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
        if (self._blocks or self._pending) and len(text) >= SECRET_RUN:
            self._runs(text, spans)
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
