"""The CLI's ``export --format dotenv``: values read back exactly as docker compose reads them, and what compose cannot hold refused."""

from __future__ import annotations

import pytest

from ssm_env_wrapper.cli import quote


# --------------------------------------------------------------------------- dotenv as compose reads it
def compose_single_quoted(text: str) -> tuple[str, str]:
    """compose-go's dotenv ``extractVarValue`` for a value that starts with ``'`` (parser.go at
    compose-spec/compose-go e70e961): returns (value, rest). No escape processing and no
    interpolation for single quotes, only this loop."""
    assert text[0] == "'"
    chars: list[str] = []
    previous_is_escape = False
    for i in range(1, len(text)):
        char = text[i]
        if char != "'":
            if not previous_is_escape and char == "\\":
                previous_is_escape = True
                continue
            if previous_is_escape:
                previous_is_escape = False
                chars.append("\\")
            chars.append(char)
            continue
        if previous_is_escape:
            previous_is_escape = False
            chars.append(char)
            continue
        return "".join(chars), text[i + 1 :]
    raise ValueError("unterminated quoted value")


def test_the_reimplementation_follows_composes_documented_examples():
    # "Syntax for environment files in Docker Compose" (docs.docker.com/compose/env-file/).
    assert compose_single_quoted("'$OTHER'")[0] == "$OTHER"
    assert compose_single_quoted("'Let\\'s go!'")[0] == "Let's go!"
    assert compose_single_quoted("'some\\tvalue'")[0] == "some\\tvalue"


HOSTILE = [
    "plain",
    "it's",
    "'''",
    "a\\b",
    "a\\\\b",
    "C:\\new\\table",
    "${HOME} $HOME $$",
    "line1\nline2\r\n",
    "\\\\'",
    "x\\\\",
    "tab\there",
    "# not a comment",
    '"double"',
    "\\n\\t\\\\",
    "üñí ✓",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_dotenv_values_read_back_exactly_as_compose_reads_them(value):
    line = f"KEY={quote(value, 'dotenv')}\n"
    parsed, rest = compose_single_quoted(line[len("KEY=") :])
    assert parsed == value and rest == "\n"


@pytest.mark.parametrize("value", ["ends\\", "odd\\'quote", "\\\\\\", "a\\\\\\'b"])
def test_dotenv_refuses_what_compose_cannot_hold(value):
    with pytest.raises(ValueError):
        quote(value, "dotenv")
