# SPDX-License-Identifier: Apache-2.0
"""Print the settings table of the documentation, in Markdown, from the settings table of the
package (src/ssm_env_wrapper/settings_table.py). The docs carry it between
``<!-- settings:begin -->`` and ``<!-- settings:end -->``; tests/unit/test_settings.py checks that
the block is exactly this output.

usage: python3 tools/settings_doc.py
"""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "src"))

from ssm_env_wrapper.settings_table import SETTINGS  # noqa: E402


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _default(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"


def table() -> str:
    """One row a setting: its variables (the first set wins), option, argument, default, help."""
    lines = [
        "| variable (the first set wins) | option | API argument | default | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for _, variables, option, metavar, argument, _, default, text in SETTINGS:
        names = ", then ".join(f"`{v}`" for v in variables)
        flag = f"`{option} {metavar}`" if option and metavar else f"`{option}`" if option else ""
        lines.append(
            f"| {_cell(names)} | {_cell(flag)} | {f'`{argument}=`' if argument else ''} "
            f"| {_cell(_default(default))} | {_cell(text)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
