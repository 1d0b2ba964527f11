"""Foreign-key join: the processor against the brute-force model, and the rules one by one.

Comparisons are exact and in order: a left update gives at most one result, a right update
one per left row pointing at it, in left key order (defined: Kafka's prefix scan order).
"""
from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamflow.operators.joins import ForeignKeyJoin, JoinResult
from streamflow.state import MemoryStore, PartitionTransaction

try:
    from .join_model import In, foreign_key_model
except ImportError:  # tests/unit/operators is not a package
    from join_model import In, foreign_key_model

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)


def new_txn() -> PartitionTransaction:
    return PartitionTransaction(MemoryStore(), orjson.dumps, orjson.loads)


def fk_of(order: dict) -> bytes | None:
    """Left values are orders naming a customer (the right table's key) or no one."""
    return None if order["customer"] is None else order["customer"].encode("latin-1")


def run(join: ForeignKeyJoin, inputs: list[In], commit_after: frozenset[int] = frozenset(),
        same_txn: bool = False) -> list[list[JoinResult]]:
    left_txn = new_txn()
    right_txn = left_txn if same_txn else new_txn()
    out = []
    for i, record in enumerate(inputs):
        update = join.update_left if record.side == "left" else join.update_right
        out.append(update(left_txn, right_txn, record.key, record.value, record.ts))
        if i in commit_after:
            left_txn.commit(None)
            if not same_txn:
                right_txn.commit(None)
    return out


def order(customer: str | None, n: int = 0) -> dict:
    return {"customer": customer, "n": n}


left_updates = st.builds(
    In, st.just("left"), st.sampled_from([b"o1", b"o2", b"o3", b"o10", None]),
    st.none() | st.builds(order, st.sampled_from(["c", "d", "\xe9", None]), st.integers(0, 3)),
    st.integers(0, 20))
right_updates = st.builds(
    In, st.just("right"), st.sampled_from([b"c", b"d", b"\xe9", None]),
    st.none() | st.integers(0, 3), st.integers(0, 20))


@pytest.mark.parametrize("kind", ["inner", "left"])
@pytest.mark.parametrize("same_txn", [False, True], ids=["two-txns", "one-txn"])
@SETTINGS
@given(inputs=st.lists(left_updates | right_updates, max_size=30),
       commits=st.frozensets(st.integers(0, 30)))
def test_every_update_gives_exactly_the_models_results(kind, same_txn, inputs, commits):
    join = ForeignKeyJoin(kind, fk_of)
    assert run(join, inputs, commits, same_txn) == foreign_key_model(inputs, kind, fk_of)


def L(key, value, ts):  # noqa: N802 - reads like a record
    return In("left", key, value, ts)


def R(key, value, ts):  # noqa: N802
    return In("right", key, value, ts)


def test_inner_fk_change_to_a_missing_right_row_emits_one_tombstone():
    out = run(ForeignKeyJoin("inner", fk_of), [R(b"c", "C", 1), L(b"o", order("c"), 2),
                                               L(b"o", order("x"), 3)])
    assert out[1:] == [[JoinResult(b"o", (order("c"), "C"), 2)], [JoinResult(b"o", None, 3)]]


def test_left_fk_change_to_a_missing_right_row_emits_the_left_row_alone():
    out = run(ForeignKeyJoin("left", fk_of), [R(b"c", "C", 1), L(b"o", order("c"), 2),
                                              L(b"o", order("x"), 3)])
    assert out[2] == [JoinResult(b"o", (order("x"), None), 3)]


def test_fk_change_to_an_existing_right_row_emits_only_the_new_join():
    out = run(ForeignKeyJoin("inner", fk_of), [R(b"c", "C", 1), R(b"d", "D", 9),
                                               L(b"o", order("c"), 2), L(b"o", order("d"), 3)])
    assert out[3] == [JoinResult(b"o", (order("d"), "D"), 9)]  # max(left ts, right ts)


def test_right_rows_nobody_points_at_emit_nothing():
    assert run(ForeignKeyJoin("left", fk_of), [R(b"c", "C", 1), R(b"c", None, 2)]) == [[], []]


def test_fk_set_to_none():
    inputs = [R(b"c", "C", 1), L(b"o", order("c"), 2), L(b"o", order(None), 3)]
    assert run(ForeignKeyJoin("inner", fk_of), inputs)[2] == [JoinResult(b"o", None, 3)]
    assert run(ForeignKeyJoin("left", fk_of), inputs)[2] == [
        JoinResult(b"o", (order(None), None), 3)]


def test_inner_left_row_without_fk_never_joins_nor_tombstones():
    out = run(ForeignKeyJoin("inner", fk_of), [L(b"o", order(None), 1), L(b"o", order(None), 2),
                                               L(b"o", None, 3)])
    assert out == [[], [], []]


def test_right_delete_reaches_every_left_row_pointing_at_it_in_key_order():
    inputs = [L(b"o2", order("c"), 1), L(b"o1", order("c"), 2), L(b"o3", order("d"), 3),
              R(b"c", "C", 4), R(b"c", None, 5)]
    inner = run(ForeignKeyJoin("inner", fk_of), inputs)
    assert inner[3] == [JoinResult(b"o1", (order("c"), "C"), 4),
                        JoinResult(b"o2", (order("c"), "C"), 4)]
    assert inner[4] == [JoinResult(b"o1", None, 5), JoinResult(b"o2", None, 5)]
    left = run(ForeignKeyJoin("left", fk_of), inputs)
    assert left[4] == [JoinResult(b"o1", (order("c"), None), 5),
                       JoinResult(b"o2", (order("c"), None), 5)]


def test_right_update_uses_the_latest_left_value_and_the_right_records_timestamp():
    out = run(ForeignKeyJoin("inner", fk_of), [L(b"o", order("c", 1), 10),
                                               L(b"o", order("c", 2), 11), R(b"c", "C", 3)])
    assert out[2] == [JoinResult(b"o", (order("c", 2), "C"), 3)]


def test_left_row_deleted_emits_a_tombstone():
    inputs = [R(b"c", "C", 1), L(b"o", order("c"), 2), L(b"o", None, 3)]
    for kind in ("inner", "left"):
        assert run(ForeignKeyJoin(kind, fk_of), inputs)[2] == [JoinResult(b"o", None, 3)]


def test_inner_tombstones_answered_by_the_old_right_row_carry_the_larger_timestamp():
    for last in (L(b"o", None, 3), L(b"o", order(None), 3)):  # left deleted, FK set to None
        out = run(ForeignKeyJoin("inner", fk_of), [R(b"c", "C", 9), L(b"o", order("c"), 2),
                                                   last])
        assert out[2] == [JoinResult(b"o", None, 9)]


@pytest.mark.parametrize("kind", ["inner", "left"])
def test_deleting_rows_that_never_existed_emits_nothing(kind):
    out = run(ForeignKeyJoin(kind, fk_of), [L(b"o", order("c"), 1), R(b"c", None, 2),
                                            L(b"p", None, 3)])
    assert out[1:] == [[], []]


def test_a_moved_left_row_no_longer_hears_from_its_old_right_row():
    out = run(ForeignKeyJoin("inner", fk_of), [L(b"o", order("c"), 1), L(b"o", order("d"), 2),
                                               R(b"c", "C", 3)])
    assert out[2] == []


def test_extract_fk_must_return_bytes():
    join = ForeignKeyJoin("inner", lambda value: value["customer"])
    with pytest.raises(TypeError, match="bytes"):
        join.update_left(new_txn(), new_txn(), b"o", order("c"), 1)
