from dataclasses import dataclass

import pytest

import streamflow
from streamflow.serialization import codec_for


class Order(streamflow.Record):
    id: int
    customer: str
    amount: float
    tags: list[str] | None = None


@dataclass
class Point:
    x: int
    y: int


def test_json_is_the_default_codec() -> None:
    codec = codec_for(None)
    assert codec.loads(codec.dumps({"a": [1, 2.5, "x", None]})) == {"a": [1, 2.5, "x", None]}


def test_raw_and_str_codecs() -> None:
    assert codec_for(bytes).loads(b"\x00\xff") == b"\x00\xff"
    assert codec_for(str).dumps("héllo") == "héllo".encode()
    assert codec_for("str").loads("héllo".encode()) == "héllo"


def test_record_round_trip_and_int_accepted_as_float() -> None:
    codec = codec_for(Order)
    order = Order(id=1, customer="c1", amount=10.5, tags=["x"])
    assert codec.loads(codec.dumps(order)) == order
    assert codec.loads(b'{"id": 2, "customer": "c", "amount": 3}') == Order(2, "c", 3.0)


def test_plain_dataclasses_work_too() -> None:
    codec = codec_for(Point)
    assert codec.loads(codec.dumps(Point(1, 2))) == Point(1, 2)


@pytest.mark.parametrize("payload,message", [
    (b'{"id": "1", "customer": "c", "amount": 1.0}', "Order.id: expected an integer, got str '1'"),
    (b'{"id": 1, "customer": "c"}', "Order: missing field 'amount'"),
    (b'{"id": 1, "customer": "c", "amount": 1, "extra": 1}', "unknown field(s) ['extra']"),
    (b'{"id": 1, "customer": "c", "amount": true}', "Order.amount: expected a number"),
    (b'{"id": 1, "customer": "c", "amount": 1, "tags": [1]}', "Order.tags"),
    (b'[1, 2]', "Order: expected a JSON object, got list"),
    (b'{"id": 1,', "malformed JSON"),
])
def test_record_decode_errors_say_which_field(payload: bytes, message: str) -> None:
    with pytest.raises(ValueError) as info:
        codec_for(Order).loads(payload)
    assert message in str(info.value)


def test_unknown_codec_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown codec 'yaml'"):
        codec_for("yaml")
