"""What the redaction tests share: how to find a 12-character run of a secret in printed text, and the assertion that none is there."""

from __future__ import annotations

RUN = 12


def leaked_runs(text: str, *secrets: str, run: int = RUN) -> list[int]:
    """Indexes of the secrets of which some run of ``run`` characters appears in ``text`` (a
    secret shorter than ``run``: the whole of it). Indexes only: never the secret itself."""
    leaked = []
    for number, secret in enumerate(secrets):
        size = min(run, len(secret))
        if any(secret[at : at + size] in text for at in range(len(secret) - size + 1)):
            leaked.append(number)
    return leaked


def assert_no_secret_runs(text: str, *secrets: str, run: int = RUN) -> None:
    """No run of ``run`` characters of any of ``secrets`` in ``text`` (reported by index)."""
    leaked = leaked_runs(text, *secrets, run=run)
    assert not leaked, f"a {run}-character run of secrets {leaked} reached the output"
