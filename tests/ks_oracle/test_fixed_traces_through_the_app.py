"""The traces recorded from Kafka Streams, replayed without Java through an app built with the
DSL on the TestDriver (and the operators): the wiring between topics and operators must keep
Kafka's results too. A null key reaching a windowed table was aggregated under the key
``"None"`` until this ran (see tests/ks_oracle/compare.py for the allowed departures)."""
from __future__ import annotations

import pytest

from .compare import check
from .fixed_traces import join_traces, window_traces

# windows three times: with str keys and values, and with JSON values and JSON or text keys
# (the windowed table's splicing paths)
TRACES = ([(s, out) for s, out in window_traces()]
          + [({**s, "app_codec": codec}, out) for codec in ("json", "text")
             for s, out in window_traces()] + join_traces())


@pytest.mark.parametrize("scenario,outputs", TRACES, ids=[
    f"{s.get('type', s.get('kind'))}-{s['kind']}-{s.get('app_codec', 'str')}-{n}"
    for n, (s, _) in enumerate(TRACES)])
def test_recorded_trace_through_the_app(scenario, outputs) -> None:
    check(scenario, outputs, app=True)
