"""What the metrics tests share: the EMF directive of a metrics line."""

from __future__ import annotations


def _directive(document):
    return document["_aws"]["CloudWatchMetrics"][0]
