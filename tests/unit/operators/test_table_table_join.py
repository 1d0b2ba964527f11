"""Table-table join: the processor against the brute-force model, and the rules one by one.

Every comparison is exact and in order: one input gives at most one result.
"""
from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamflow.operators.joins import JoinResult, TableTableJoin
from streamflow.state import MemoryStore, PartitionTransaction

try:
    from .join_model import In, table_table_model
except ImportError:  # tests/unit/operators is not a package
    from join_model import In, table_table_model

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
KINDS = ["inner", "left", "outer"]


def new_txn() -> PartitionTransaction:
    return PartitionTransaction(MemoryStore(), orjson.dumps, orjson.loads)


def run(join: TableTableJoin, inputs: list[In], commit_after: frozenset[int] = frozenset()
        ) -> list[list[JoinResult]]:
    txn, out = new_txn(), []
    for i, record in enumerate(inputs):
        update = join.update_left if record.side == "left" else join.update_right
        out.append(update(txn, record.key, record.value, record.ts))
        if i in commit_after:
            txn.commit(None)
    return out


updates = st.builds(
    In, st.sampled_from(["left", "right"]), st.sampled_from([b"a", b"a", b"b", None]),
    st.none() | st.integers(0, 3) | st.just({"nested": [1]}), st.integers(0, 20))


@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(inputs=st.lists(updates, max_size=30), commits=st.frozensets(st.integers(0, 30)))
def test_every_update_gives_exactly_the_models_result(kind, inputs, commits):
    assert run(TableTableJoin(kind), inputs, commits) == table_table_model(inputs, kind)


def L(key, value, ts):  # noqa: N802 - reads like a record
    return In("left", key, value, ts)


def R(key, value, ts):  # noqa: N802
    return In("right", key, value, ts)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_deleting_a_key_that_never_existed_emits_nothing(kind, side):
    other = "right" if side == "left" else "left"
    assert run(TableTableJoin(kind), [In(side, b"k", None, 1)]) == [[]]
    # ... also when the other side has a row: the joined row does not change
    assert run(TableTableJoin(kind), [In(other, b"k", 1, 1), In(side, b"k", None, 2)])[1] == []


def test_inner_emits_only_while_both_sides_exist_then_one_tombstone():
    out = run(TableTableJoin("inner"), [L(b"k", 1, 5), R(b"k", 2, 3), L(b"k", 4, 1),
                                        R(b"k", None, 7), L(b"k", None, 8)])
    assert out == [[], [JoinResult(b"k", (1, 2), 5)], [JoinResult(b"k", (4, 2), 3)],
                   [JoinResult(b"k", None, 7)], []]


def test_left_join_emits_every_left_update_and_right_changes_only_with_a_left_row():
    out = run(TableTableJoin("left"), [R(b"k", 2, 1), L(b"k", 1, 2), R(b"k", None, 9),
                                       L(b"k", None, 4), R(b"k", 3, 5)])
    assert out == [[], [JoinResult(b"k", (1, 2), 2)], [JoinResult(b"k", (1, None), 9)],
                   [JoinResult(b"k", None, 4)], []]


def test_outer_join_emits_every_update_and_a_tombstone_when_the_last_side_goes():
    out = run(TableTableJoin("outer"), [R(b"k", 2, 1), L(b"k", 1, 2), R(b"k", None, 3),
                                        L(b"k", None, 4), L(b"k", None, 5)])
    assert out == [[JoinResult(b"k", (None, 2), 1)], [JoinResult(b"k", (1, 2), 2)],
                   [JoinResult(b"k", (1, None), 3)], [JoinResult(b"k", None, 4)], []]


def test_output_timestamp_is_the_larger_of_the_update_and_the_other_rows():
    out = run(TableTableJoin("outer"), [L(b"k", 1, 10), R(b"k", 2, 4), R(b"k", None, 12)])
    assert [r.timestamp for results in out for r in results] == [10, 10, 12]


def test_null_keys_are_dropped():
    assert run(TableTableJoin("outer"), [L(None, 1, 1), R(None, 2, 1)]) == [[], []]
