import pytest

from streamflow.partitioner import Partitioner, murmur2, partition_for


def signed(x: int) -> int:
    return x - 2**32 if x >= 2**31 else x


@pytest.mark.parametrize("data,expected", [
    # Vectors from Kafka's Java client (UtilsTest.testMurmur2)
    (b"21", -973932308),
    (b"foobar", -790332482),
    (b"a-little-bit-long-string", -985981536),
    (b"a-little-bit-longer-string", -1486304829),
    (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
    (b"abc", 479470107),
])
def test_murmur2_matches_the_java_client(data: bytes, expected: int) -> None:
    assert signed(murmur2(data)) == expected


def test_partition_is_positive_hash_modulo_count() -> None:
    assert partition_for(b"foobar", 6) == (-790332482 & 0x7FFFFFFF) % 6
    cached = Partitioner(limit=2)
    for key in (b"a", b"b", b"c", b"a"):
        assert cached(key, 7) == partition_for(key, 7)


def test_the_cache_keeps_partition_counts_apart_and_starts_over_at_its_limit() -> None:
    cached = Partitioner(limit=2)
    assert cached(b"k", 3) == partition_for(b"k", 3)
    assert cached(b"k", 1000) == partition_for(b"k", 1000)   # not the answer for 3 partitions
    assert cached.cache_for(3) == {b"k": partition_for(b"k", 3)}
    cached(b"x", 3), cached(b"y", 3)                          # a third key: the cache restarts
    assert len(cached.cache_for(3)) <= 2
    assert all(p == partition_for(k, 3) for k, p in cached.cache_for(3).items())
