# SPDX-License-Identifier: Apache-2.0
"""Take out the formatting overhead of a module without changing what it means.

The package is formatted for editing (ruff: one argument a line behind a trailing comma, so that
a diff touches one line); the single file is for reading, where the same call on one line, or its
arguments packed into a few lines, reads as well and costs a fraction of the bytes. This module:

- joins a bracketed statement spread over several lines onto one line when it fits in ``width``;
- otherwise keeps its first and last lines and packs what the brackets hold into as few lines as
  fit (the layout of the standard library's own sources);
- merges plain string literals that such a join puts side by side (``"a " "b"`` becomes
  ``"a b"``);
- drops a trailing comma that the join leaves before a closing bracket, where that changes
  nothing (never the comma of a one-element tuple or subscript);
- drops comments that only speak to tools (``# type: ignore[...]``, ``# noqa: ...``), and blank
  lines that open a block or repeat another.

A statement holding a comment or a multi-line string is left as it is. ``reflow`` checks that the
result parses to the same syntax tree as its input (``ast.dump`` ignores positions), so a mistake
here stops the build instead of changing the program.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

OPENERS, CLOSERS = "([{", ")]}"
_LAYOUT = {
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.COMMENT,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}
# Words after which "(" or "[" opens a display (tuple, list), not a call or a subscript.
_KEYWORDS = {"in", "and", "or", "not", "return", "if", "elif", "else", "yield", "await", "is"}
_KEYWORDS |= {"lambda", "for", "while", "assert", "del", "from", "import", "with", "as", "raise"}
_TOOL_COMMENT = re.compile(r"#\s*(type:\s*ignore(\[[^\]]*\])?|noqa(:\s*[A-Z0-9, ]+)?)\s*$")
_Token = tokenize.TokenInfo


def _statements(source: str) -> list[list[_Token]]:
    """The tokens of every logical line that holds code (comments included), in order."""
    statements: list[list[_Token]] = []
    current: list[_Token] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        current.append(token)
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            statements.append(current)
            current = []
        elif token.type == tokenize.NL and all(t.type in _LAYOUT for t in current):
            statements.append(current)  # a blank or comment-only line: kept as it is
            current = []
    return statements


def _droppable_commas(code: list[_Token]) -> set[int]:
    """Indexes of trailing commas before a closing bracket on a later line that can go: in a call
    or a definition's parameters, a list, dict or set display, or a tuple or subscript of two or
    more elements (``(x,)`` and ``t[x,]`` keep theirs: without it they mean something else)."""
    stack: list[list] = []  # [opener, is a call or subscript, commas seen]
    droppable: set[int] = set()
    for index, token in enumerate(code):
        if token.type != tokenize.OP:
            continue
        if token.string in OPENERS:
            before = code[index - 1] if index else None
            applied = before is not None and (
                (before.type == tokenize.NAME and before.string not in _KEYWORDS)
                or before.string in (")", "]")
                or before.type == tokenize.STRING
            )
            stack.append([token.string, applied, 0])
        elif token.string in CLOSERS:
            opener, applied, commas = stack.pop()
            last = code[index - 1]
            if last.string == "," and last.end[0] != token.start[0]:
                if opener == "{" or commas > 1 or (opener == "(") == applied:
                    droppable.add(index - 1)
        elif token.string == "," and stack:
            stack[-1][2] += 1
    return droppable


def _plain_string(token: _Token) -> str | None:
    """The quote of a one-line literal without prefix, which can merge with its like. f-strings
    stay apart: Python 3.12 tokenizes them in pieces, and the output must not depend on which
    Python runs the build."""
    text = token.string
    if token.type != tokenize.STRING or text[:1] not in ("'", '"') or text[:3] in ('"""', "'''"):
        return None
    return text[0]


def _join(code: list[_Token], lines: list[str], drop: set[int], start: int, stop: int) -> str:
    """code[start:stop] on one line: the spacing within a line as written, one space (or none,
    next to a bracket) where a line break was."""
    out: list[str] = []
    previous: _Token | None = None
    for index in range(start, stop):
        token = code[index]
        if index in drop:
            continue
        if previous is None:
            out.append(token.string)
        elif previous.end[0] == token.start[0]:
            out.append(lines[token.start[0] - 1][previous.end[1] : token.start[1]] + token.string)
        elif previous.string in OPENERS or token.string in CLOSERS:
            out.append(token.string)
        elif _plain_string(previous) is not None and _plain_string(previous) == _plain_string(
            token
        ):
            out[-1] = out[-1][:-1]  # "abc " "def" -> "abc def": one literal, as Python reads it
            out.append(token.string[1:])
        else:
            out.append(" " + token.string)
        previous = token
    return "".join(out)


def _matching(code: list[_Token], opener: int) -> int:
    depth = 0
    for index in range(opener, len(code)):
        if code[index].type == tokenize.OP and code[index].string in OPENERS:
            depth += 1
        elif code[index].type == tokenize.OP and code[index].string in CLOSERS:
            depth -= 1
            if depth == 0:
                return index
    return -1


def _has_top_level(code: list[_Token], opener: int, closer: int, words: tuple[str, ...]) -> bool:
    depth = 0
    for token in code[opener + 1 : closer]:
        if token.type == tokenize.OP and token.string in OPENERS:
            depth += 1
        elif token.type == tokenize.OP and token.string in CLOSERS:
            depth -= 1
        elif depth == 0 and token.type == tokenize.NAME and token.string in words:
            return True
    return False


def _pack(code: list[_Token], lines: list[str], drop: set[int], width: int) -> list[str] | None:
    """First line, the bracket's elements packed at their indentation, last line; or None."""
    first, last = code[0].start[0], code[-1].end[0]
    opener = max(i for i, t in enumerate(code) if t.end[0] == first)
    closer = min(i for i, t in enumerate(code) if t.start[0] == last)
    if code[opener].string not in OPENERS or _matching(code, opener) != closer:
        return None
    if closer == opener + 1 or lines[last - 1].lstrip()[:1] not in CLOSERS:
        return None
    if _has_top_level(code, opener, closer, ("for", "lambda")):
        return None  # a comprehension or a lambda: its commas do not separate elements
    indent = lines[code[opener + 1].start[0] - 1][: code[opener + 1].start[1]]
    elements: list[str] = []
    start, depth = opener + 1, 0
    for index in range(opener + 1, closer + 1):
        token = code[index]
        if token.type == tokenize.OP and token.string in OPENERS:
            depth += 1
        elif token.type == tokenize.OP and token.string in CLOSERS:
            depth -= 1
        if index == closer or (depth == 0 and token.string == ","):
            stop = index + 1 if index != closer and index not in drop else index
            if stop > start:
                elements.append(_join(code, lines, drop, start, stop))
            start = index + 1
    packed = [indent]
    for element in elements:
        if packed[-1] != indent and len(packed[-1]) + 1 + len(element) > width:
            packed.append(indent)
        packed[-1] += element if packed[-1] == indent else " " + element
    if any(len(line) > width for line in packed) or len(packed) >= closer - opener:
        return None
    return [lines[first - 1], *packed, lines[last - 1]]


def _rewritten(statement: list[_Token], lines: list[str], width: int) -> list[str] | None:
    code = [t for t in statement if t.type not in _LAYOUT]
    if not code or code[0].start[0] == code[-1].end[0]:
        return None
    first, last = code[0].start[0], code[-1].end[0]
    breaks = {t.start[0] for t in statement if t.type == tokenize.NL}
    if (
        any(t.type == tokenize.COMMENT for t in statement)
        or any(t.start[0] != t.end[0] for t in code)  # a multi-line string
        or any(row not in breaks for row in range(first, last))  # a backslash continuation
    ):
        return None
    drop = _droppable_commas(code)
    joined = lines[first - 1][: code[0].start[1]] + _join(code, lines, drop, 0, len(code))
    if len(joined) <= width:
        return [joined]
    return _pack(code, lines, drop, width)


def _string_rows(source: str) -> set[int]:
    """Lines that lie inside a multi-line string, past its first: never to be touched."""
    rows: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.start[0] != token.end[0] and token.type not in (tokenize.NEWLINE, tokenize.NL):
            rows.update(range(token.start[0] + 1, token.end[0] + 1))
    return rows


def _without_tool_comments(source: str) -> str:
    lines = source.split("\n")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and _TOOL_COMMENT.fullmatch(token.string):
            row, column = token.start
            if lines[row - 1][:column].strip():  # after code: the code stays
                lines[row - 1] = lines[row - 1][:column].rstrip()
    return "\n".join(lines)


def _without_extra_blank_lines(source: str) -> str:
    """No blank line right after a line of code that opens a block; a run of blank lines cut to
    two before top-level code and to one inside a block (PEP 8's spacing)."""
    inside = _string_rows(source)
    lines = source.split("\n")
    out: list[str] = []
    run = 0  # blank lines seen since the last kept line
    for row, line in enumerate(lines, 1):
        if not line.strip() and row not in inside:
            run += 1
            continue
        if run and out:
            previous = out[-1].rstrip()
            opens = previous.endswith(":") and not previous.lstrip().startswith("#")
            keep = 0 if opens else min(run, 1 if line[:1] in (" ", "\t") else 2)
            out.extend([""] * keep)
        elif run:
            out.extend([""] * run)
        run = 0
        out.append(line)
    out.extend([""] * run)
    return "\n".join(out)


def reflow(source: str, width: int) -> str:
    """``source`` with its formatting overhead taken out; the same program (checked)."""
    text = _without_tool_comments(source)
    lines = text.split("\n")
    replaced: dict[int, tuple[int, list[str]]] = {}
    for statement in _statements(text):
        new = _rewritten(statement, lines, width)
        if new is not None:
            code = [t for t in statement if t.type not in _LAYOUT]
            replaced[code[0].start[0]] = (code[-1].end[0], new)
    out: list[str] = []
    row = 1
    while row <= len(lines):
        if row in replaced:
            last, new = replaced[row]
            out.extend(new)
            row = last + 1
        else:
            out.append(lines[row - 1])
            row += 1
    result = _without_extra_blank_lines("\n".join(out))
    if ast.dump(ast.parse(result)) != ast.dump(ast.parse(source)):
        raise ValueError("reflow changed the program; leave this construct as it is")
    return result
