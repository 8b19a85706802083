# SPDX-License-Identifier: Apache-2.0
"""Write the whole package as ONE readable Python file that runs as a script and imports as a module.

The modules are concatenated in dependency order; what only makes sense between modules (their
relative imports, ``from __future__`` lines, per-module ``__all__`` and docstrings) is taken out
and the package's ``__all__`` is put at the end. A top-level name defined in two modules would
silently shadow one of them in a single namespace, so it stops the build. The output depends only
on the sources: two builds are byte-identical.

usage: python3 tools/build_single.py OUTPUT
"""

from __future__ import annotations

import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "ssm_env_wrapper"

# Not part of the single file: the package's __init__ (its __all__ and docstring are copied) and
# __main__ (the single file has its own `if __name__ == "__main__"`).
SKIP = {"__init__", "__main__"}

# Names every module may define the same way: the annotations-only switch.
SHARED_NAMES = {"TYPE_CHECKING"}

# The start-up lines: POSIX sh and Python at once (tools/launcher.sh, shared with bin/wrapper).
LAUNCHER = (ROOT / "tools" / "launcher.sh").read_text(encoding="utf-8")

HEADER = LAUNCHER + """#
# ssm-env-wrapper {version}: the single-file build of src/ssm_env_wrapper/, made by build_layer.sh.
# Do not edit: change the package and rebuild. Run it (python3 ssm_env_wrapper.py CMD ...) or
# import it (import ssm_env_wrapper).
from __future__ import annotations
"""


def _module_body(name: str) -> tuple[str, set[str]]:
    path = PACKAGE / f"{name}.py"
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    lines = source.splitlines()
    drop: dict[int, str | None] = {}  # 1-based line -> replacement (None: remove)

    def remove(node: ast.stmt, indent: int | None = None) -> None:
        assert node.end_lineno is not None
        for number in range(node.lineno, node.end_lineno + 1):
            drop[number] = None
        if indent:
            drop[node.lineno] = " " * indent + "pass"

    body = tree.body
    summary = ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        summary = body[0].value.value.strip().splitlines()[0]
        remove(body[0])
    defined: set[str] = set()
    for node in body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            remove(node)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            remove(node)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(t.id for t in targets if isinstance(t, ast.Name))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            remove(node, node.col_offset)
    kept = [drop[i] if i in drop else line for i, line in enumerate(lines, 1)
            if drop.get(i, "") is not None]
    text = "\n".join(kept).strip("\n")
    banner = f"# {'-' * 20} {name}.py: {summary}"
    return f"{banner}\n\n{text}\n", defined - SHARED_NAMES


def module_order() -> list[str]:
    """Every module of the package, each after the modules it imports (ties alphabetical), so
    that the concatenation defines every name before a module body uses it."""
    needs: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem in SKIP:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        needs[path.stem] = {node.module for node in ast.walk(tree)
                            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module}
    order: list[str] = []
    while len(order) < len(needs):
        ready = sorted(m for m, deps in needs.items() if m not in order and deps <= set(order))
        if not ready:
            stuck = sorted(set(needs) - set(order))
            raise SystemExit(f"build_single: import cycle among {stuck}")
        order.append(ready[0])
    return order


def build() -> str:
    namespace = {"__file__": str(PACKAGE / "version.py")}
    exec((PACKAGE / "version.py").read_text(encoding="utf-8"), namespace)
    parts = [HEADER.format(version=namespace["__version__"])]
    owner: dict[str, str] = {}
    for name in module_order():
        text, defined = _module_body(name)
        for symbol in sorted(defined):
            if symbol in owner:
                raise SystemExit(f"build_single: {symbol} is defined in both {owner[symbol]}.py "
                                 f"and {name}.py; rename one (the single file has one namespace)")
            owner[symbol] = name
        parts.append(text)
    init = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(init) or ""
    exported = next(node.value for node in init.body if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets))
    names = ast.literal_eval(exported)
    missing = [n for n in names if n not in owner and n != "__version__"]
    if missing:
        raise SystemExit(f"build_single: __all__ names {missing} that no module defines")
    listing = "".join(f"    {n!r},\n" for n in names)
    parts.append(
        f"# {'-' * 20} the package's public surface\n\n"
        f"__doc__ = {doc!r}\n\n"
        f"__all__ = [\n{listing}]\n\n"
        "if __name__ == \"__main__\":\n"
        "    sys.exit(main())\n")
    return "\n\n".join(parts)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    pathlib.Path(sys.argv[1]).write_text(build(), encoding="utf-8")
