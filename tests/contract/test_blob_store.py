"""The BlobStore contract: every adapter must pass every test here."""

from __future__ import annotations

import pytest

from tradai.domain.errors import InvalidKey, NotFound
from tradai.ports import BlobStore


def test_given_blob_when_put_and_read_then_same_bytes_and_type(blobs: BlobStore) -> None:
    # Given
    payload = bytes(range(256)) * 10

    # When
    blobs.put("backtests/j1/equity.parquet", payload, content_type="application/vnd.apache.parquet")

    # Then
    assert blobs.get("backtests/j1/equity.parquet") == payload
    assert blobs.content_type("backtests/j1/equity.parquet") == "application/vnd.apache.parquet"
    assert blobs.exists("backtests/j1/equity.parquet")


def test_given_blob_when_overwritten_then_latest_wins(blobs: BlobStore) -> None:
    blobs.put("a/b.txt", b"one", content_type="text/plain")
    blobs.put("a/b.txt", b"two", content_type="text/plain")
    assert blobs.get("a/b.txt") == b"two"


def test_given_no_blob_when_read_then_not_found(blobs: BlobStore) -> None:
    with pytest.raises(NotFound):
        blobs.get("nope/missing.bin")
    with pytest.raises(NotFound):
        blobs.content_type("nope/missing.bin")
    assert not blobs.exists("nope/missing.bin")


def test_given_blobs_when_listed_by_prefix_then_sorted_and_scoped(blobs: BlobStore) -> None:
    # Given
    for key in ["r/j2/report.html", "r/j1/equity.json", "r/j1/trades.json", "s/other.json"]:
        blobs.put(key, b"x")

    # When / Then
    assert blobs.list("r/j1/") == ["r/j1/equity.json", "r/j1/trades.json"]
    assert blobs.list("r/") == ["r/j1/equity.json", "r/j1/trades.json", "r/j2/report.html"]
    assert len(blobs.list()) == 4


def test_given_blob_when_deleted_then_gone_and_second_delete_is_fine(blobs: BlobStore) -> None:
    blobs.put("d/x.bin", b"x")
    blobs.delete("d/x.bin")
    blobs.delete("d/x.bin")
    assert not blobs.exists("d/x.bin")
    assert blobs.list("d/") == []


@pytest.mark.parametrize(
    "key",
    ["", "/abs/path", "../escape", "a/../../b", "a//b", "a/./b", "with space", "a\\b", "é/x", "x" * 2000],
)
def test_given_unsafe_key_when_used_then_invalid_key(blobs: BlobStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        blobs.put(key, b"x")
    with pytest.raises(InvalidKey):
        blobs.get(key)


def test_given_a_blob_store_when_pinged_then_it_answers(blobs: BlobStore) -> None:
    blobs.ping()
