"""Blob key rules shared by every BlobStore adapter."""

from __future__ import annotations

import re

from tradai.domain.errors import InvalidKey

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=-]*$")
MAX_KEY_LENGTH = 1024


def check_blob_key(key: str) -> str:
    """Return `key` if it is a safe relative path, else raise `InvalidKey`.

    Safe means: segments of letters, digits and ``._=-`` joined by ``/``, no empty, ``.`` or
    ``..`` segment, no leading slash. Local files and S3 objects then share one namespace and no
    key escapes the blob folder.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"blob key must be 1-{MAX_KEY_LENGTH} characters")
    segments = key.split("/")
    if any(not _SEGMENT.match(segment) for segment in segments):
        raise InvalidKey(f"blob key {key!r} is not a safe relative path")
    return key


def check_blob_prefix(prefix: str) -> str:
    """Return `prefix` if it is empty or a safe key, optionally ending with ``/``."""
    if prefix:
        check_blob_key(prefix.removesuffix("/"))
    return prefix
