"""A validator of CloudWatch's Embedded Metric Format, written from "Specification: Embedded metric
format" (CloudWatch user guide, CloudWatch_Embedded_Metric_Format_Specification.html):

- the log event is one JSON object, nothing before or after it;
- the root has ``_aws``, the metadata object: ``Timestamp`` (REQUIRED, a number: milliseconds
  after 1970-01-01 UTC) and ``CloudWatchMetrics`` (REQUIRED, an array of MetricDirective);
- a MetricDirective has ``Namespace`` (a string, 1 to 255 characters), ``Dimensions`` (an array
  of DimensionSet) and ``Metrics`` (an array of MetricDefinition, at most 100);
- a DimensionSet is an array of strings, at most 30 (MAY be empty); each names a member of the
  root (its target) whose value MUST be a string of at most 1024 characters;
- a MetricDefinition has ``Name`` (a string naming a member of the root: its target MUST be a
  number or an array of at most 100 numbers), ``Unit`` (OPTIONAL, one of CloudWatch's units) and
  ``StorageResolution`` (OPTIONAL, 1 or 60);
- a log event is at most 256 KB (CloudWatch Logs' limit, which EMF shares).

``problems(line)`` returns what is wrong, one string each; ``[]`` for a valid document.
"""

from __future__ import annotations

import json

# MetricDatum.Unit, CloudWatch API reference.
UNITS = frozenset(
    """Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits
    Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second
    Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second
    Megabits/Second Gigabits/Second Terabits/Second Count/Second None""".split()
)
MAX_EVENT_BYTES = 256 * 1024


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _directive(root: dict, directive: object, where: str) -> list[str]:
    if not isinstance(directive, dict):
        return [f"{where} is not an object"]
    out: list[str] = []
    namespace = directive.get("Namespace")
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
        out.append(f"{where}.Namespace must be a string of 1 to 255 characters")
    dimensions = directive.get("Dimensions")
    if not isinstance(dimensions, list):
        out.append(f"{where}.Dimensions must be an array of dimension sets")
        dimensions = []
    for i, dimension_set in enumerate(dimensions):
        here = f"{where}.Dimensions[{i}]"
        if not isinstance(dimension_set, list) or not all(
            isinstance(k, str) for k in dimension_set
        ):
            out.append(f"{here} must be an array of strings")
            continue
        if len(dimension_set) > 30:
            out.append(f"{here} has more than 30 dimension keys")
        for key in dimension_set:
            if key not in root:
                out.append(f"{here}: dimension {key!r} is not a member of the root")
            elif not isinstance(root[key], str) or len(root[key]) > 1024:
                out.append(f"{here}: dimension {key!r} must be a string of at most 1024")
    metrics = directive.get("Metrics")
    if not isinstance(metrics, list):
        return out + [f"{where}.Metrics must be an array of metric definitions"]
    if len(metrics) > 100:
        out.append(f"{where}.Metrics has more than 100 metric definitions")
    for i, metric in enumerate(metrics):
        here = f"{where}.Metrics[{i}]"
        if not isinstance(metric, dict) or not isinstance(metric.get("Name"), str):
            out.append(f"{here} must be an object with a string Name")
            continue
        name = metric["Name"]
        target = root.get(name)
        if name not in root:
            out.append(f"{here}: metric {name!r} is not a member of the root")
        elif isinstance(target, list):
            if len(target) > 100 or not all(_number(v) for v in target):
                out.append(f"{here}: {name!r} must be an array of at most 100 numbers")
        elif not _number(target):
            out.append(f"{here}: {name!r} must be a number or an array of numbers")
        if "Unit" in metric and metric["Unit"] not in UNITS:
            out.append(f"{here}: Unit {metric['Unit']!r} is not a CloudWatch unit")
        if "StorageResolution" in metric and metric["StorageResolution"] not in (1, 60):
            out.append(f"{here}: StorageResolution must be 1 or 60")
    return out


def problems(line: str) -> list[str]:
    """What keeps ``line`` (one log event) from being a valid EMF document."""
    if len(line.encode("utf-8")) > MAX_EVENT_BYTES:
        return ["the event is larger than 256 KB"]
    try:
        root = json.loads(line)
    except ValueError:
        return ["not one JSON value (nothing may come before or after the object)"]
    if not isinstance(root, dict):
        return ["the root is not a JSON object"]
    meta = root.get("_aws")
    if not isinstance(meta, dict):
        return ["_aws (the metadata object) is missing or not an object"]
    out: list[str] = []
    if not _number(meta.get("Timestamp")):
        out.append("_aws.Timestamp must be a number (milliseconds since the epoch)")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        return out + ["_aws.CloudWatchMetrics must be an array of metric directives"]
    for i, directive in enumerate(directives):
        out += _directive(root, directive, f"_aws.CloudWatchMetrics[{i}]")
    return out
