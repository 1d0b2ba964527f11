"""The sticky, co-partitioning assignor (pure function)."""
from streamflow.runtime.transport.assignor import (assign_standbys, assign_tasks, decode_holdings,
                                                   encode_holdings)

TASKS = [(4, p) for p in range(4)] + [(2, p) for p in range(2)]


def test_tasks_are_balanced_over_members() -> None:
    plan = assign_tasks({"a": {}, "b": {}, "c": {}}, TASKS)
    assert sorted(len(t) for t in plan.values()) == [2, 2, 2]
    assert sorted(t for ts in plan.values() for t in ts) == sorted(TASKS)


def test_tasks_stay_with_the_member_that_holds_their_state() -> None:
    members = {"a": {"active": {(4, 0), (4, 1), (4, 2)}}, "b": {"active": {(4, 3)}}, "new": {}}
    plan = assign_tasks(members, TASKS)
    assert {(4, 0), (4, 1)} <= set(plan["a"]) and (4, 3) in plan["b"]
    assert sorted(len(t) for t in plan.values()) == [2, 2, 2]


def test_a_moving_task_prefers_a_member_with_a_standby_copy() -> None:
    members = {"a": {"active": set(TASKS)}, "b": {"standby": {(4, 2), (4, 3)}}, "c": {}}
    plan = assign_tasks(members, TASKS)
    assert len(plan["a"]) == 2 and set(plan["a"]) <= set(TASKS)
    assert set(plan["b"]) == {(4, 2), (4, 3)}


def test_standbys_never_on_the_active_member_and_prefer_existing_copies() -> None:
    active = {"a": [(4, 0), (4, 1)], "b": [(4, 2), (4, 3)], "c": []}
    members = {"a": {}, "b": {}, "c": {"standby": {(4, 0)}}}
    standbys = assign_standbys(members, active, replicas=1)
    owner = {t: m for m, ts in active.items() for t in ts}
    for m, tasks in standbys.items():
        assert all(owner[t] != m for t in tasks)
    assert sorted(t for ts in standbys.values() for t in ts) == sorted(owner)
    assert (4, 0) in standbys["c"]


def test_holdings_survive_the_wire_and_garbage_is_harmless() -> None:
    decoded = decode_holdings(encode_holdings({(4, 1)}, {(4, 2)}, 1))
    assert decoded == {"active": {(4, 1)}, "standby": {(4, 2)}, "replicas": 1, "url": None}
    with_url = decode_holdings(encode_holdings({(4, 1)}, set(), 0, "http://w1:6066"))
    assert with_url["url"] == "http://w1:6066"
    assert decode_holdings(b"not json")["active"] == set()
    assert decode_holdings(b'{"url": 7}')["url"] is None
