"""BlobStore on an S3 bucket (the AWS runtime's artifacts store)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tradai.adapters.aws_clients import LazyClient, error_code
from tradai.adapters.blob_keys import check_blob_key, check_blob_prefix
from tradai.domain.errors import BlobStoreUnavailable, NotFound

_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class S3BlobStore:
    """Blobs as objects in one bucket, under an optional key prefix."""

    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        client: Any | None = None,
        client_factory: Callable[[], Any] | None = None,
    ) -> None:
        """Use `bucket` through a boto3 S3 client (given, or built on first use by `client_factory`)."""
        self._bucket = bucket
        self._prefix = check_blob_prefix(prefix)
        self._client = LazyClient(
            client, client_factory, missing=BlobStoreUnavailable("S3 client is not configured")
        )

    @property
    def client(self) -> Any:
        return self._client.get()

    def _object_key(self, key: str) -> str:
        return self._prefix + check_blob_key(key)

    @contextmanager
    def _errors_mapped(self, key: str) -> Iterator[None]:
        try:
            yield
        except ClientError as exc:
            code = error_code(exc)
            if code in _MISSING_CODES:
                raise NotFound(f"no blob {key}") from exc
            raise BlobStoreUnavailable(f"S3 failed on {key}: {code}") from exc
        except BotoCoreError as exc:
            raise BlobStoreUnavailable(f"S3 could not be reached: {exc}") from exc

    def ping(self) -> None:
        with self._errors_mapped("(bucket)"):
            self.client.head_bucket(Bucket=self._bucket)

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        with self._errors_mapped(key):
            self.client.put_object(
                Bucket=self._bucket, Key=self._object_key(key), Body=data, ContentType=content_type
            )

    def get(self, key: str) -> bytes:
        with self._errors_mapped(key):
            response = self.client.get_object(Bucket=self._bucket, Key=self._object_key(key))
            body: bytes = response["Body"].read()
        return body

    def content_type(self, key: str) -> str:
        with self._errors_mapped(key):
            response = self.client.head_object(Bucket=self._bucket, Key=self._object_key(key))
        return str(response.get("ContentType") or "application/octet-stream")

    def exists(self, key: str) -> bool:
        try:
            self.content_type(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        with self._errors_mapped(key):
            self.client.delete_object(Bucket=self._bucket, Key=self._object_key(key))

    def list(self, prefix: str = "") -> list[str]:
        check_blob_prefix(prefix)
        keys: list[str] = []
        with self._errors_mapped(prefix or "(all)"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix + prefix):
                keys += [item["Key"].removeprefix(self._prefix) for item in page.get("Contents", [])]
        return sorted(keys)
