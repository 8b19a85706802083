# SPDX-License-Identifier: Apache-2.0
"""AWS partitions and region names, as botocore's ``data/partitions.json`` lists them: which
partition a region belongs to, its DNS suffixes, and what a region name may hold. Pure data:
endpoint resolution, the IAM fixes of the clients and ARN parsing all read it from here."""

from __future__ import annotations

__all__ = ["REGION_CHARS", "PARTITION_IDS", "is_region_name", "partition"]

#: What a region name holds: it becomes part of a host name and of the signature's scope.
REGION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")

# The partitions: (id, region prefixes, DNS suffix, dual-stack DNS suffix), from botocore's
# data/partitions.json (their regionRegex, simplified to the prefixes those regexes require).
# A region no partition claims is taken as "aws", as the SDKs' aws.partition function does.
_PARTITIONS = (
    ("aws-us-gov", ("us-gov-",), "amazonaws.com", "api.aws"),
    ("aws-iso", ("us-iso-",), "c2s.ic.gov", "api.aws.ic.gov"),
    ("aws-iso-b", ("us-isob-",), "sc2s.sgov.gov", "api.aws.scloud"),
    ("aws-iso-e", ("eu-isoe-",), "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    ("aws-iso-f", ("us-isof-",), "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    ("aws-cn", ("cn-",), "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    ("aws-eusc", ("eusc-",), "amazonaws.eu", "api.amazonwebservices.eu"),
)
_AWS = ("aws", "amazonaws.com", "api.aws")

#: The partitions an ARN may name.
PARTITION_IDS = frozenset((_AWS[0],) + tuple(row[0] for row in _PARTITIONS))


def is_region_name(text: str) -> bool:
    """Lower-case letters, digits and inner hyphens (``us-east-1``)."""
    return bool(text) and not set(text) - REGION_CHARS and text[0] != "-" and text[-1] != "-"


def partition(region: str) -> tuple[str, str, str]:
    """``(partition id, DNS suffix, dual-stack DNS suffix)`` of ``region``."""
    for name, prefixes, suffix, dual_suffix in _PARTITIONS:
        if region.startswith(prefixes):
            return name, suffix, dual_suffix
    return _AWS
