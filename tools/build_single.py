# SPDX-License-Identifier: Apache-2.0
"""Write the whole package as ONE Python file that runs as a script, imports as a module, and
reads top to bottom for someone who only has that file.

The file, in order:

1. a head of comment lines (valid in sh and in Python): what it is, its version, its licence,
   where it comes from, the command that regenerates it and the minimum Python;
2. the start-up lines of tools/launcher.sh (sh and Python at once: they must come first);
3. an overview: what the file does, how to use it, and a CONTENTS list of the sections with the
   line each starts at (the numbers are computed from a first rendering, then checked);
4. the public API: the package's ``__doc__`` and ``__all__``, and the line each public name is
   defined at;
5. the sections of ``SECTIONS`` in the order data flows through a start, each under a banner,
   each module under its own banner with its docstring as comments (its "why").

``SECTIONS`` is the one place the order is declared. Python needs a name defined before it is
*used at import time* (class bases, decorators, default arguments, module-level statements), not
before a function body refers to it, so the order can follow the data as long as every module's
import-time uses are defined above it. The build checks that instead of trusting the table: a
walk of the module-level statements of the result, then executing the result as a module.

What only makes sense between modules (relative imports, ``from __future__`` lines, per-module
``__all__`` and licence lines) is taken out; ``reflow.py`` takes out formatting that helps only
an editor (one argument a line, comments to linters), and checks the program is unchanged. A
top-level name defined in two modules would silently shadow one of them in a single namespace,
so it stops the build. No line is longer than 100 characters (long comments are rewrapped). The
output depends only on the sources: two builds are byte-identical.

usage: python3 tools/build_single.py OUTPUT
"""

from __future__ import annotations

import ast
import builtins
import io
import pathlib
import re
import sys
import textwrap
import tokenize
import traceback
import types

from reflow import reflow

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "ssm_env_wrapper"
WIDTH = 100

# THE ORDER OF THE SINGLE FILE: (section, what it does, its modules in order). Sections follow
# the data through one start: what the user wrote, the settings read from it, the load that plans
# and fetches, the network core it calls, the claims that turn answers into variables, the exec.
# Every module of src/ssm_env_wrapper/ (but __init__ and __main__) is in exactly one section; a
# new module goes where its code sits in that flow, below every module whose names it uses at
# import time (the build says which, if not).
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "foundations",
        "records, messages, exceptions; what the network core is given",
        ("version", "values", "redact", "errors", "partitions", "records", "advice"),
    ),
    (
        "sources",
        "source items as users write them: ${VAR}, the optional ?, ARNs, secret ids",
        ("sources",),
    ),
    (
        "settings",
        "the environment read once; region, endpoint, credentials resolved",
        (
            "settings_table",
            "useragent",
            "diagnostics",
            "parsers",
            "settings",
            "arguments",
            "localfile",
            "config_file",
            "endpoint",
            "keys",
            "profiles",
            "credentials",
            "resolve",
        ),
    ),
    (
        "load",
        "the Python API; plan, fetch concurrently, claim and decide",
        ("original", "jsonvalue", "versions", "files", "loader", "plan", "fetch", "claims"),
    ),
    (
        "network core",
        "deadline, SigV4, HTTP/1.1, TLS, retry, JSON client, SSM, Secrets Manager",
        (
            "deadline",
            "sigv4",
            "httpgrammar",
            "http11",
            "proxy",
            "trust",
            "retry",
            "transport",
            "awsjson",
            "paramnames",
            "ssm",
            "secretsmanager",
        ),
    ),
    (
        "claims",
        "parameter names to variable names; the variables a parameter may not set",
        ("naming", "guards"),
    ),
    (
        "exec",
        "log lines and metrics, the command, the wrapper's one pass, main()",
        ("log", "metrics", "command", "wrapper", "main"),
    ),
    (
        "command line",
        "check, export, policy, and the options that mirror every setting",
        ("policy", "cli"),
    ),
)
PUBLIC_API = ("public API", "what `import ssm_env_wrapper` offers, and where each name is")

# Not part of the single file: the package's __init__ (its __all__ and docstring are copied) and
# __main__ (the single file has its own `if __name__ == "__main__"`).
SKIP = {"__init__", "__main__"}

# Names every module may define the same way: the annotations-only switch.
SHARED_NAMES = {"TYPE_CHECKING"}

SPDX = "# SPDX-License-Identifier: Apache-2.0"

# The start-up lines: POSIX sh and Python at once (tools/launcher.sh; tools/build_bin.py puts the
# same lines at the top of bin/wrapper).
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
# What it is, how to use it and its CONTENTS: right after the start-up lines below.
"""

# After the launcher: what the file does and how to use it. {contents} is the CONTENTS list.
OVERVIEW = """\
# {rule}
# ssm-env-wrapper {version}, the whole package in one file
# {rule}
# It reads parameters from AWS Systems Manager Parameter Store and secrets from AWS Secrets
# Manager, puts them into the environment, and execs the command it was given (in Lambda: the
# runtime), which then starts with that environment. On a failure it exits with one line and the
# command never starts half-configured. Python {python} or newer, the standard library only.
#
# Use it as
#   a Lambda exec wrapper  AWS_LAMBDA_EXEC_WRAPPER=/path/to/this/file (mode 0755), or the layer's
#                          /opt/ssm-env-wrapper; SSM_ENV_PATHS=/prod/app (or SSM_ENV_NAMES=...)
#   a command              python3 ssm_env_wrapper.py [OPTIONS] [--] COMMAND [ARG...]
#                          python3 ssm_env_wrapper.py check | export | policy | --help
#   a module               import ssm_env_wrapper; ssm_env_wrapper.load_parameters("/prod/app")
#
# A start flows through the sections below in their order; the launcher above decides first
# whether there is anything to load (nothing: it execs the command without starting Python).
# Each module keeps its name in its banner: it is src/ssm_env_wrapper/<name>.py at the source.
# Settings, IAM, troubleshooting and the rest: the documentation at
# {docs} (docs/ at the source); `policy` prints the IAM policy a configuration needs.
# Licence: Apache-2.0 (LICENSE and NOTICE at {source}).
# Version {version}; rebuild with python3 tools/build_single.py dist/ssm_env_wrapper.py.
#
# CONTENTS{contents_pad}line
{contents}
"""


def _project_facts() -> dict[str, str]:
    """The version (version.py), the source URL and the minimum Python (pyproject.toml), and the
    documentation's address that follows from the source URL. Read with regular expressions:
    tomllib is 3.11+ and the build runs on any python3 >= 3.9."""
    namespace: dict[str, str] = {}
    exec((PACKAGE / "version.py").read_text(encoding="utf-8"), namespace)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    source = re.search(r'^Source = "([^"]+)"', pyproject, re.M)
    python = re.search(r'^requires-python = ">=(\d+\.\d+)"', pyproject, re.M)
    if not source or not python:
        raise SystemExit(
            'build_single: pyproject.toml needs [project.urls] Source and requires-python = ">=X.Y"'
        )
    # The release workflow publishes docs/ to GitHub Pages, whose address for a project's site is
    # https://OWNER.github.io/REPOSITORY/ ("What is GitHub Pages?", GitHub Docs).
    owner_repo = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", source.group(1))
    if not owner_repo:
        raise SystemExit(
            "build_single: [project.urls] Source must be https://github.com/OWNER/REPO"
        )
    return {
        "version": namespace["__version__"],
        "source": source.group(1),
        "python": python.group(1),
        "docs": f"https://{owner_repo[1]}.github.io/{owner_repo[2]}/",
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


def _defined_at_top(body: list[ast.stmt]) -> set[str]:
    defined: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(t.id for t in targets if isinstance(t, ast.Name))
    return defined - SHARED_NAMES - {"__all__"}


def _typing_only(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and not node.orelse
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )


def _said_before(statement: ast.stmt, typing_seen: set[str], runtime: bool = False) -> bool:
    """Whether an import binds only what an earlier one bound the same way (the single file has
    one namespace: once is enough), noting it. A module-level import (``runtime``) counts for
    the annotations-only blocks too; theirs never count for one that runs."""
    if not isinstance(statement, (ast.Import, ast.ImportFrom)) or getattr(statement, "level", 0):
        return False
    head = f"from {statement.module} " if isinstance(statement, ast.ImportFrom) else ""
    bound = {f"{head}import {ast.unparse(alias)}" for alias in statement.names}
    ran = {f"run: {key}" for key in bound}
    said = ran <= typing_seen if runtime else bound <= typing_seen or ran <= typing_seen
    typing_seen |= bound | ran if runtime else bound
    return said


def _drop_lines(tree: ast.Module, lines: list[str], typing_seen: set[str]) -> dict[int, str | None]:
    """1-based line -> its replacement (None: the line goes) for what only makes sense between
    modules: the docstring (it becomes the banner's comments), ``from __future__``, ``__all__``,
    relative imports, the licence line, and the annotations-only switch and imports an earlier
    module already has (``typing_seen``: what the earlier ``if TYPE_CHECKING:`` blocks bound)."""
    drop: dict[int, str | None] = {}

    def remove(node: ast.stmt) -> None:
        assert node.end_lineno is not None
        for number in range(node.lineno, node.end_lineno + 1):
            drop[number] = None

    if ast.get_docstring(tree, clean=True):
        remove(tree.body[0])
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            remove(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            remove(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and _said_before(
            node, typing_seen, runtime=True
        ):
            remove(node)
        elif ast.unparse(node) == "TYPE_CHECKING = False":
            if "TYPE_CHECKING" in typing_seen:
                remove(node)
            typing_seen.add("TYPE_CHECKING")
    # Relative imports go (in one namespace the names are simply there). A block left with nothing
    # else: an `if TYPE_CHECKING:` goes whole; any other block keeps one `pass` (none does today).
    for owner, field, block in _blocks(tree):
        typing = owner in tree.body and _typing_only(owner) and field == "body"
        relative = [s for s in block if isinstance(s, ast.ImportFrom) and s.level > 0]
        relative += [s for s in block if typing and _said_before(s, typing_seen)]
        for statement in relative:
            remove(statement)
        if relative and len(relative) == len(block):
            if typing:
                remove(owner)
            else:
                drop[block[0].lineno] = " " * block[0].col_offset + "pass"
    for number, line in enumerate(lines, 1):
        if line == SPDX:
            drop[number] = None
    return drop


def _module(name: str, typing_seen: set[str]) -> tuple[str, set[str]]:
    """One module as it stands in the single file (its banner, its docstring as comments, its
    code) and the top-level names it defines."""
    path = PACKAGE / f"{name}.py"
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    lines = source.splitlines()
    drop = _drop_lines(tree, lines, typing_seen)
    kept = [
        drop.get(i, line) or "" for i, line in enumerate(lines, 1) if drop.get(i, "") is not None
    ]
    text = reflow("\n".join(kept).strip("\n"), WIDTH)
    doc = ast.get_docstring(tree, clean=True) or ""
    banner = [f"# {'-' * 20} {name}.py"] + (["#"] + _as_comments(doc) if doc else [])
    return "\n".join(banner) + f"\n\n{text}\n", _defined_at_top(tree.body)


def _relative_imports(name: str) -> dict[str, str]:
    """Names ``name`` imports from the package's modules: {name: module}."""
    tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        for alias in node.names
    }


def _placement_hint(name: str, where: dict[str, str]) -> str:
    """What ``name`` imports and what imports it, with their sections: where it belongs."""
    uses = sorted(set(_relative_imports(name).values()))
    users = sorted(m for m in where if name in _relative_imports(m).values())

    def show(modules: list[str]) -> str:
        return ", ".join(f"{m} ({where.get(m, 'new')})" for m in modules) or "none"

    return f"it imports {show(uses)}; it is imported by {show(users)}"


def module_order() -> list[tuple[str, str, list[str]]]:
    """The sections of ``SECTIONS`` with their modules, checked against the package: every module
    in exactly one section, no section naming a module the package lacks."""
    present = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in SKIP)
    where: dict[str, str] = {}
    for section, _, modules in SECTIONS:
        for module in modules:
            if module in where:
                raise SystemExit(
                    f"build_single: SECTIONS in tools/build_single.py lists {module} twice "
                    f"({where[module]} and {section}); keep it in one section"
                )
            where[module] = section
    gone = [m for m in where if m not in present]
    if gone:
        raise SystemExit(
            f"build_single: SECTIONS in tools/build_single.py lists {', '.join(gone)}, which "
            f"src/ssm_env_wrapper/ does not have (renamed or removed?): take it out of the table"
        )
    unknown = [m for m in present if m not in where]
    if unknown:
        hints = "; ".join(f"{m}.py: {_placement_hint(m, where)}" for m in unknown)
        raise SystemExit(
            f"build_single: {', '.join(m + '.py' for m in unknown)} not in SECTIONS, the table "
            f"at the top of tools/build_single.py that orders the single file. Add each to the "
            f"section where its code sits in the data flow, below the modules whose names it uses "
            f"at import time ({hints})"
        )
    return [(section, summary, list(modules)) for section, summary, modules in SECTIONS]


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


def _package_surface() -> tuple[str, list[str]]:
    """The package's docstring and ``__all__`` (``__init__.py``)."""
    init = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    exported = next(
        node.value
        for node in init.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    )
    return ast.get_docstring(init) or "", list(ast.literal_eval(exported))


# Names Python gives every module, and the builtins: defined before any line of the file.
_GIVEN = set(dir(builtins)) | {"__name__", "__doc__", "__file__", "__spec__", "__loader__"}
_GIVEN |= {"__package__", "__builtins__", "__annotations__"}


def _reads(node: ast.AST, bound: frozenset[str] = frozenset()) -> list[ast.Name]:
    """The names an expression reads when it is evaluated: not those in a lambda's body (read
    when it is called), nor a comprehension's own variables."""
    if isinstance(node, ast.Lambda):
        defaults = node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
        return [name for default in defaults for name in _reads(default, bound)]
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        found: list[ast.Name] = []
        inner = set(bound)
        for generator in node.generators:
            found += _reads(generator.iter, frozenset(inner))
            inner |= {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
            found += [n for test in generator.ifs for n in _reads(test, frozenset(inner))]
        results = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        return found + [n for result in results for n in _reads(result, frozenset(inner))]
    if isinstance(node, ast.Name):
        return [node] if isinstance(node.ctx, ast.Load) and node.id not in bound else []
    return [name for child in ast.iter_child_nodes(node) for name in _reads(child, bound)]


def _evaluated_now(statement: ast.stmt) -> list[ast.expr]:
    """The expressions of a statement that run when the statement runs (annotations do not: the
    file starts with ``from __future__ import annotations``; function bodies run when called)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = statement.args
        defaults = arguments.defaults + [d for d in arguments.kw_defaults if d is not None]
        return statement.decorator_list + defaults
    if isinstance(statement, ast.ClassDef):
        keywords = [keyword.value for keyword in statement.keywords]
        return statement.decorator_list + statement.bases + keywords
    if isinstance(statement, ast.AnnAssign):
        target = [] if isinstance(statement.target, ast.Name) else [statement.target]
        return target + ([statement.value] if statement.value else [])
    if isinstance(statement, ast.Try):
        return [handler.type for handler in statement.handlers if handler.type]
    if isinstance(statement, (ast.If, ast.While)):
        return [statement.test]
    if isinstance(statement, ast.For):
        return [statement.iter]
    if isinstance(statement, ast.With):
        return [item.context_expr for item in statement.items]
    return [c for c in ast.iter_child_nodes(statement) if isinstance(c, ast.expr)]


def _binds(statement: ast.stmt) -> set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign, ast.For)):
        targets = [statement.target]
    elif isinstance(statement, ast.With):
        targets = [item.optional_vars for item in statement.items if item.optional_vars]
    else:
        return set()
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _used_before_defined(body: list[ast.stmt], defined: set[str]) -> list[ast.Name]:
    """Names that code running at import time reads before a statement above has defined them.
    ``defined`` grows with what ``body`` binds."""
    found: list[ast.Name] = []
    for statement in body:
        found += [n for e in _evaluated_now(statement) for n in _reads(e) if n.id not in defined]
        if isinstance(statement, ast.ClassDef):
            found += _used_before_defined(statement.body, set(defined))  # the class's own scope
        elif isinstance(statement, (ast.If, ast.For, ast.While, ast.Try, ast.With)):
            skip = isinstance(statement, ast.If) and ast.unparse(statement.test) == "TYPE_CHECKING"
            blocks = [] if skip else [statement.body]
            blocks += [getattr(statement, "orelse", []), getattr(statement, "finalbody", [])]
            for handler in getattr(statement, "handlers", []):
                defined |= {handler.name} if handler.name else set()
                blocks.append(handler.body)
            for block in blocks:
                found += _used_before_defined(block, defined)
        defined |= _binds(statement)
    return found


def _module_at(lines: list[str], number: int) -> str:
    """The module whose banner is the last one above line ``number``."""
    for line in reversed(lines[:number]):
        match = re.match(r"# -{20} (\w+)\.py$", line)
        if match:
            return f"{match.group(1)}.py"
    return "the generated part"


def check_import_order(text: str) -> None:
    """Stop the build when code that runs at import time reads a name defined further down."""
    lines = text.split("\n")
    tree = ast.parse(text)
    late = _used_before_defined(tree.body, set(_GIVEN))
    top: dict[str, int] = {}
    for statement in tree.body:
        for bound in _binds(statement):
            top.setdefault(bound, statement.lineno)
    for name in late:
        if name.id in top:
            used, defined = _module_at(lines, name.lineno), _module_at(lines, top[name.id])
            raise SystemExit(
                f"build_single: {used} reads {name.id} at import time (line {name.lineno}), but "
                f"{defined} defines it further down (line {top[name.id]}): in SECTIONS "
                f"(tools/build_single.py) put {defined[:-3]} above {used[:-3]}"
            )
        raise SystemExit(
            f"build_single: {_module_at(lines, name.lineno)} reads {name.id} at import time "
            f"(line {name.lineno}) and nothing defines it"
        )


def check_it_runs(text: str) -> None:
    """Execute the file as a module (its import has no side effects): whatever the static check
    cannot see (a name bound in a way it does not follow) fails here, naming the module."""
    name = "_ssm_env_wrapper_build_check"
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(text, name, "exec"), module.__dict__)
    except Exception as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == name]
        where = frames[-1].lineno or 0 if frames else 0
        raise SystemExit(
            f"build_single: importing the single file fails at line {where} "
            f"({_module_at(text.split(chr(10)), where)}): {type(error).__name__}: {error}"
        ) from None
    finally:
        del sys.modules[name]


RULE = "=" * (WIDTH - 2)


def _banner(number: int, name: str, summary: str) -> str:
    return f"# {RULE}\n# {number}. {name}: {summary}\n# {RULE}\n"


def _contents(numbers: dict[str, int]) -> str:
    titles = [PUBLIC_API] + [(section, summary) for section, summary, _ in SECTIONS]
    rows = []
    for index, (name, summary) in enumerate(titles, 1):
        row = f"# {index:>2}. {name:<13} {summary:<74} {numbers.get(name, 0):>5}"
        if len(row) > WIDTH:
            raise SystemExit(
                f"build_single: the summary of section {name!r} in SECTIONS is too long for the "
                f"CONTENTS line ({len(row)} > {WIDTH} characters): shorten it"
            )
        rows.append(row)
    return "\n".join(rows)


def _public_api(names: list[str], owner: dict[str, str], numbers: dict[str, int]) -> str:
    doc, _ = _package_surface()
    section_of = {m: section for section, _, modules in SECTIONS for m in modules}
    rows = [
        f"#   {name:<24} line {numbers.get('name:' + name, 0):>5}   "
        f"{owner[name]}.py, {section_of[owner[name]]}"
        for name in names
    ]
    listing = "".join(f"    {n!r},\n" for n in names)
    return (
        _banner(1, *PUBLIC_API)
        + "# What `import ssm_env_wrapper` offers (its __all__), and the line each is defined at:\n"
        + "\n".join(rows)
        + f"\n\n{_docstring_assignment(doc)}\n\n__all__ = [\n{listing}]\n"
    )


def _render(modules: dict[str, str], owner: dict[str, str], numbers: dict[str, int]) -> str:
    facts = _project_facts()
    _, names = _package_surface()
    pad = " " * (WIDTH - len("# CONTENTS") - len("line"))
    overview = OVERVIEW.format(rule=RULE, contents=_contents(numbers), contents_pad=pad, **facts)
    parts = [
        HEAD.format(**facts) + _launcher_body() + overview,
        "from __future__ import annotations\n",
        _public_api(names, owner, numbers),
    ]
    for index, (section, summary, members) in enumerate(module_order(), 2):
        parts.append(_banner(index, section, summary))
        parts.extend(modules[m] for m in members)
    parts.append(
        "# The file run as a program (the launcher above, or python3 FILE): main() decides.\n"
        'if __name__ == "__main__":\n'
        "    sys.exit(main())\n"
    )
    return _fit("\n\n".join(parts))


def _line_numbers(text: str) -> dict[str, int]:
    """Where each section's banner starts and each public name is defined, in ``text``."""
    lines = text.split("\n")
    numbers: dict[str, int] = {}
    titles = [PUBLIC_API[0]] + [section for section, _, _ in SECTIONS]
    for index, title in enumerate(titles, 1):
        prefix = f"# {index}. {title}: "
        number = next(n for n, line in enumerate(lines, 1) if line.startswith(prefix))
        numbers[title] = number - 1  # the rule above the title
    for statement in ast.parse(text).body:
        for name in _binds(statement):
            numbers.setdefault(f"name:{name}", statement.lineno)
    return numbers


def build() -> str:
    modules: dict[str, str] = {}
    owner: dict[str, str] = {}
    typing_seen: set[str] = set()  # in file order: the first module's block says it for all
    for _, _, members in module_order():
        for name in members:
            modules[name], defined = _module(name, typing_seen)
            for symbol in sorted(defined):
                if symbol in owner:
                    raise SystemExit(
                        f"build_single: {symbol} is defined in both {owner[symbol]}.py "
                        f"and {name}.py; rename one (the single file has one namespace)"
                    )
                owner[symbol] = name
    owner["__version__"] = "version"
    _, names = _package_surface()
    missing = [n for n in names if n not in owner]
    if missing:
        raise SystemExit(f"build_single: __all__ names {missing} that no module defines")
    # Two passes: the line numbers of the CONTENTS and the public API are those of the first
    # rendering (numbers never change the number of lines), then checked in the second.
    first = _render(modules, owner, {})
    numbers = _line_numbers(first)
    text = _render(modules, owner, numbers)
    if _line_numbers(text) != numbers:
        raise SystemExit("build_single: the CONTENTS line numbers moved between the two passes")
    check_import_order(text)
    check_it_runs(text)
    return text


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    pathlib.Path(sys.argv[1]).write_text(build(), encoding="utf-8")
