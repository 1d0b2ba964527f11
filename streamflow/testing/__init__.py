"""Testing pipelines: the deterministic driver, recordings, replay, assertions, real Kafka.

``from streamflow.testing import TestDriver`` is all most tests need; the pytest plugin adds
the ``streamflow_driver`` fixture.
"""
from .assertions import assert_outputs, record_diff
from .driver import OutputRecord, TestDriver
from .recording import BadRecording, RecordedRecord, read_recording, write_recording
from .replay import compare, replay

__all__ = ["TestDriver", "OutputRecord", "assert_outputs", "record_diff", "replay", "compare",
           "read_recording", "write_recording", "RecordedRecord", "BadRecording"]
