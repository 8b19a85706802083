# SPDX-License-Identifier: Apache-2.0
"""Write the whole package as ONE readable Python file that runs as a script and imports as a
module, and that explains itself to someone who only has that file.

The file starts with a head of comment lines (valid in sh and in Python): what it is, its
version, its licence, where it comes from, the command that regenerates it and the minimum
Python. Then the start-up lines of tools/launcher.sh (sh and Python at once), then the modules,
concatenated in dependency order. What only makes sense between modules (their relative imports,
``from __future__`` lines, per-module ``__all__`` and licence lines) is taken out; each module's
docstring stays, as comments under its banner, because its "why" is the best documentation the
code has. The package's docstring and ``__all__`` go at the end. A top-level name defined in two
modules would silently shadow one of them in a single namespace, so it stops the build. No line
is longer than 100 characters (long comments are rewrapped). The output depends only on the
sources: two builds are byte-identical.

usage: python3 tools/build_single.py OUTPUT
"""

from __future__ import annotations

import ast
import io
import pathlib
import re
import sys
import textwrap
import tokenize

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "ssm_env_wrapper"
WIDTH = 100

# Not part of the single file: the package's __init__ (its __all__ and docstring are copied) and
# __main__ (the single file has its own `if __name__ == "__main__"`).
SKIP = {"__init__", "__main__"}

# Names every module may define the same way: the annotations-only switch.
SHARED_NAMES = {"TYPE_CHECKING"}

SPDX = "# SPDX-License-Identifier: Apache-2.0"

# The start-up lines: POSIX sh and Python at once (tools/launcher.sh, shared with bin/wrapper).
LAUNCHER = (ROOT / "tools" / "launcher.sh").read_text(encoding="utf-8")

# The head: comments to sh and to Python alike, so they can come before the launcher's first
# command. Someone who finds this file vendored in a function's repository reads these first.
HEAD = """\
#!/bin/sh
# ssm-env-wrapper {version}: AWS SSM Parameter Store into the environment, then exec the runtime.
# SPDX-License-Identifier: Apache-2.0
# Generated from src/ssm_env_wrapper/ of {source} ({version}).
# Do not edit: change the package there, then regenerate from a checkout, at its root:
# Regenerate with: python3 tools/build_single.py dist/ssm_env_wrapper.py
# (bash build_layer.sh runs the same and also builds the Lambda layer zip.)
# Requires Python {python} or newer and /bin/sh; the standard library only, nothing to install.
# Use: AWS_LAMBDA_EXEC_WRAPPER=/path/to/this/file (mode 0755), `python3 ssm_env_wrapper.py CMD`,
# or `import ssm_env_wrapper`. Settings, IAM policy and troubleshooting: the README at the source.
"""


def _project_facts() -> dict[str, str]:
    """The version (version.py), the source URL and the minimum Python (pyproject.toml). Read
    with regular expressions: tomllib is 3.11+ and the build runs on any python3 >= 3.9."""
    namespace: dict[str, str] = {}
    exec((PACKAGE / "version.py").read_text(encoding="utf-8"), namespace)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    source = re.search(r'^Source = "([^"]+)"', pyproject, re.M)
    python = re.search(r'^requires-python = ">=(\d+\.\d+)"', pyproject, re.M)
    if not source or not python:
        raise SystemExit(
            'build_single: pyproject.toml needs [project.urls] Source and requires-python = ">=X.Y"'
        )
    return {
        "version": namespace["__version__"],
        "source": source.group(1),
        "python": python.group(1),
    }


def _wrap_comment(line: str) -> list[str]:
    """A full-line comment longer than WIDTH, rewrapped at the same indentation."""
    if len(line) <= WIDTH:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    text = line.strip()[1:].strip()
    return textwrap.wrap(
        text,
        WIDTH - len(indent) - 2,
        initial_indent=f"{indent}# ",
        subsequent_indent=f"{indent}# ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _fit(source: str) -> str:
    """Keep every line within WIDTH where that is safe: long full-line comments are rewrapped, and
    a trailing comment that pushes its line past WIDTH moves to its own line(s) above. Code itself
    is never rewritten (a code line still too long is the source's to fix; the tests say which)."""
    lines = source.split("\n")
    alone: set[int] = set()  # line numbers of comments on their own line
    trailing: dict[int, int] = {}  # line number -> column of a comment after code
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            number, column = token.start
            if lines[number - 1][:column].strip():
                trailing[number] = column
            else:
                alone.add(number)
    out: list[str] = []
    for number, line in enumerate(lines, 1):
        if len(line) <= WIDTH:
            out.append(line)
        elif number in alone:  # never a line inside a string that happens to start with '#'
            out.extend(_wrap_comment(line))
        elif number in trailing:
            code, comment = line[: trailing[number]].rstrip(), line[trailing[number] :]
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(_wrap_comment(indent + comment))
            out.append(code)
        else:
            out.append(line)
    return "\n".join(out)


def _as_comments(doc: str) -> list[str]:
    return [f"# {line}".rstrip() for line in doc.splitlines()]


def _blocks(tree: ast.Module):
    """Every list of statements in the module (bodies, else branches, handlers)."""
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield node, field, block


def _module_body(name: str) -> tuple[str, set[str]]:
    path = PACKAGE / f"{name}.py"
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    lines = source.splitlines()
    drop: dict[int, str | None] = {}  # 1-based line -> replacement (None: remove)

    def remove(node: ast.stmt) -> None:
        assert node.end_lineno is not None
        for number in range(node.lineno, node.end_lineno + 1):
            drop[number] = None

    body = tree.body
    doc = ast.get_docstring(tree, clean=True) or ""
    if doc:
        remove(body[0])
    defined: set[str] = set()
    for node in body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            remove(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            remove(node)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(t.id for t in targets if isinstance(t, ast.Name))
    # Relative imports go (in one namespace the names are simply there). A block left with nothing
    # else: an `if TYPE_CHECKING:` goes whole; any other block keeps one `pass` (none does today).
    for owner, field, block in _blocks(tree):
        relative = [s for s in block if isinstance(s, ast.ImportFrom) and s.level > 0]
        if not relative:
            continue
        for statement in relative:
            remove(statement)
        if len(relative) == len(block):
            if (
                isinstance(owner, ast.If)
                and field == "body"
                and not owner.orelse
                and isinstance(owner.test, ast.Name)
                and owner.test.id == "TYPE_CHECKING"
            ):
                remove(owner)
            else:
                drop[block[0].lineno] = " " * block[0].col_offset + "pass"
    for number, line in enumerate(lines, 1):
        if line == SPDX:
            drop[number] = None
    kept = [
        drop[i] if i in drop else line
        for i, line in enumerate(lines, 1)
        if drop.get(i, "") is not None
    ]
    text = re.sub(r"\n{4,}", "\n\n\n", "\n".join(kept).strip("\n"))
    banner = (
        [f"# {'-' * 20} {name}.py", "#"] + _as_comments(doc) if doc else [f"# {'-' * 20} {name}.py"]
    )
    return "\n".join(banner) + f"\n\n{text}\n", defined - SHARED_NAMES


def module_order() -> list[str]:
    """Every module of the package, each after the modules it imports (ties alphabetical), so
    that the concatenation defines every name before a module body uses it."""
    needs: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem in SKIP:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        needs[path.stem] = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        }
    order: list[str] = []
    while len(order) < len(needs):
        ready = sorted(m for m, deps in needs.items() if m not in order and deps <= set(order))
        if not ready:
            stuck = sorted(set(needs) - set(order))
            raise SystemExit(f"build_single: import cycle among {stuck}")
        order.append(ready[0])
    return order


def _launcher_body() -> str:
    """The launcher without its shebang and licence line: the head has both."""
    lines = LAUNCHER.split("\n")
    if lines[0] != "#!/bin/sh":
        raise SystemExit("build_single: tools/launcher.sh must start with #!/bin/sh")
    return "\n".join(line for line in lines[1:] if line != SPDX)


def _docstring_assignment(doc: str) -> str:
    """``__doc__ = ...`` for the package docstring, one source line per docstring line (the
    docstring is stripped, as ``ast.get_docstring`` gives it, so ``.strip()`` restores it exactly)."""
    if '"""' not in doc and "\\" not in doc and doc == doc.strip():
        return f'__doc__ = """\n{doc}\n""".strip()'
    parts = "".join(f"    {line!r}\n" for line in doc.splitlines(keepends=True))
    return f"__doc__ = (\n{parts})"


def build() -> str:
    parts = [
        HEAD.format(**_project_facts()) + _launcher_body() + "from __future__ import annotations\n"
    ]
    owner: dict[str, str] = {}
    for name in module_order():
        text, defined = _module_body(name)
        for symbol in sorted(defined):
            if symbol in owner:
                raise SystemExit(
                    f"build_single: {symbol} is defined in both {owner[symbol]}.py "
                    f"and {name}.py; rename one (the single file has one namespace)"
                )
            owner[symbol] = name
        parts.append(text)
    init = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(init) or ""
    exported = next(
        node.value
        for node in init.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    )
    names = ast.literal_eval(exported)
    missing = [n for n in names if n not in owner and n != "__version__"]
    if missing:
        raise SystemExit(f"build_single: __all__ names {missing} that no module defines")
    listing = "".join(f"    {n!r},\n" for n in names)
    parts.append(
        f"# {'-' * 20} the package's public surface\n\n"
        f"{_docstring_assignment(doc)}\n\n"
        f"__all__ = [\n{listing}]\n\n"
        'if __name__ == "__main__":\n'
        "    sys.exit(main())\n"
    )
    return _fit("\n\n".join(parts))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    pathlib.Path(sys.argv[1]).write_text(build(), encoding="utf-8")
