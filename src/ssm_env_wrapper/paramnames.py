# SPDX-License-Identifier: Apache-2.0
"""How a GetParameters request names a parameter: ``NAME``, ``NAME:VERSION``, ``NAME:LABEL``, an
ARN with or without a selector, and Parameter Store's references to Secrets Manager. Pure text
rules of the SSM API, shared by the source parser (``sources``) and the SSM client (``ssm``);
this module reads nothing and names no setting."""

from __future__ import annotations

__all__ = ["SECRETS_PREFIX", "split_selector", "batch_key"]

#: Parameter Store's prefix for a Secrets Manager secret read through GetParameters
#: ("Referencing AWS Secrets Manager secrets from Parameter Store parameters").
SECRETS_PREFIX = "/aws/reference/secretsmanager/"


def split_selector(requested: str) -> tuple[str, str]:
    """``/a:3`` -> ``("/a", ":3")``; an ARN's own colons are not a selector:
    ``arn:aws:ssm:us-east-1:123456789012:parameter/a:live`` -> (the ARN, ``":live"``)."""
    if requested.startswith("arn:"):
        head = requested.split(":", 5)
        if len(head) == 6:
            resource, colon, chosen = head[5].partition(":")
            base = ":".join(head[:5] + [resource])
            return (base, colon + chosen) if colon else (base, "")
        return requested, ""
    if ":" in requested:
        name, _, chosen = requested.rpartition(":")
        return name, ":" + chosen
    return requested, ""


def batch_key(requested: str) -> str:
    """The parameter name a request is about (the name inside an ARN), for batching: one batch
    never asks one name twice, so each answer belongs to one request."""
    base = split_selector(requested)[0]
    if base.startswith("arn:"):
        return "/" + base.split(":", 5)[5][len("parameter/") :].lstrip("/")
    return base
