"""What the SigV4 tests against moto with IAM authentication share: the parameters the IAM user may read."""

from __future__ import annotations

EXPECTED = {"PLAIN": "plain-auth-value-0001", "SECRET": "secure-auth-value-0002"}
