"""What the IAM policy tests share: the account the policy names."""

from __future__ import annotations

ACCOUNT = "123456789012"
