"""Reading a worker's ``/metrics`` text back as numbers (unit and integration tests)."""
from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text exposition: (name, labels) -> value."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(text_or_samples: Any, name: str, **labels: Any) -> float | None:
    """One sample's value (None when absent)."""
    got = samples(text_or_samples) if isinstance(text_or_samples, str) else text_or_samples
    return got.get((name, frozenset((k, str(v)) for k, v in labels.items())))


def by_label(text_or_samples: Any, name: str, label: str) -> dict[str, float]:
    """``label``'s value -> sample value, for every sample of ``name``."""
    got = samples(text_or_samples) if isinstance(text_or_samples, str) else text_or_samples
    return {dict(ls)[label]: v for (n, ls), v in got.items() if n == name and label in dict(ls)}


def family_names(text: str) -> set[str]:
    return {f.name for f in text_string_to_metric_families(text)}
