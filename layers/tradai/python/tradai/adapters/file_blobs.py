"""BlobStore on a local folder: the local runtime's artifacts store."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from tradai.adapters.blob_keys import check_blob_key, check_blob_prefix
from tradai.domain.errors import BlobStoreUnavailable, NotFound

_TYPE_SUFFIX = ".content-type"


class FileBlobStore:
    """Blobs as files under one root folder, written atomically (temp file, then rename)."""

    name = "filesystem"

    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self._root / check_blob_key(key)

    def ping(self) -> None:
        if not (self._root.is_dir() and os.access(self._root, os.W_OK)):
            raise BlobStoreUnavailable(f"blob folder {self._root} is missing or not writable")

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path.with_name(path.name + _TYPE_SUFFIX), json.dumps(content_type).encode())
            _write_atomically(path, data)
        except OSError as exc:
            raise BlobStoreUnavailable(f"could not write blob {key}: {exc}") from exc

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"no blob {key}") from exc
        except OSError as exc:
            raise BlobStoreUnavailable(f"could not read blob {key}: {exc}") from exc

    def content_type(self, key: str) -> str:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"no blob {key}")
        try:
            stored = json.loads(path.with_name(path.name + _TYPE_SUFFIX).read_bytes())
        except (OSError, ValueError):
            return "application/octet-stream"
        return str(stored)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        for target in (path, path.with_name(path.name + _TYPE_SUFFIX)):
            target.unlink(missing_ok=True)

    def list(self, prefix: str = "") -> list[str]:
        check_blob_prefix(prefix)
        keys = (
            path.relative_to(self._root).as_posix()
            for path in self._root.rglob("*")
            if path.is_file() and not path.name.endswith(_TYPE_SUFFIX) and not path.name.startswith(".tmp")
        )
        return sorted(key for key in keys if key.startswith(prefix))


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
