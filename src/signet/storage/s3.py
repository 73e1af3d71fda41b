"""S3-compatible blob store (AWS S3, SeaweedFS, MinIO, Ceph ...): one object per blob under
``<prefix>/<sha256>``, with the digest kept in the object's metadata.

Why boto3: it is AWS's own, maintained SDK; it signs requests (SigV4), retries, streams bodies,
presigns URLs and speaks to any S3-compatible endpoint, which no smaller client does as well.

Errors: a missing object is ``FileNotFoundError``; anything else (endpoint down, credentials
refused, 5xx) is ``StorageUnavailable``, logged here with the detail, since a client can only
retry. ``check()`` names the exact problem for start-up. See docs/operations.md#storage.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal, cast

from signet.errors import StorageUnavailable
from signet.kit.content_disposition import content_disposition
from signet.storage.base import CHUNK, sha256_of

log = logging.getLogger("signet.storage")

# Presigned download links live this long: enough to start a download, too short to share.
PRESIGN_SECONDS = 300
PROBE_KEY = ".signet-probe"
# Keys known to exist, remembered up to this many: blobs are immutable and never deleted, so
# the detail read (which checks the final files exist, on the event loop) asks S3 once only.
KNOWN_KEYS = 100_000
GENERIC = "File storage is temporarily unavailable; retry later"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return f"{where} at {self.endpoint}" if self.endpoint else where


class S3BlobStore:
    def __init__(self, location: S3Location, *, presign: bool = False) -> None:
        import boto3
        from botocore.config import Config

        self.location = location
        self.bucket = location.bucket
        self.prefix = location.prefix.strip("/")
        self.presign = presign
        self._known: set[str] = set()
        config = Config(
            region_name=location.region,
            signature_version="s3v4",
            connect_timeout=5,
            read_timeout=60,
            retries={"mode": "standard", "total_max_attempts": 3},
            # Custom endpoints (SeaweedFS, MinIO) rarely serve bucket subdomains.
            s3={"addressing_style": "path" if location.endpoint else "auto"},
            # Checksums only where S3 requires them: not every S3-compatible server accepts
            # the newer trailing-checksum uploads.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=location.endpoint,
            aws_access_key_id=location.access_key_id,
            aws_secret_access_key=location.secret_access_key,
            config=config,
        )

    def _key(self, key: str) -> str:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"invalid blob key {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    @contextlib.contextmanager
    def _calls(self, what: str, key: str | None = None) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if key is not None and code in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(key) from None
            log.warning("storage %s %s failed: %s", what, key or "", exc)
            raise StorageUnavailable(GENERIC) from exc
        except BotoCoreError as exc:
            log.warning("storage %s %s failed: %s", what, key or "", exc)
            raise StorageUnavailable(GENERIC) from exc

    def put(self, key: str, data: bytes) -> None:
        with self._calls("put", key):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType="application/octet-stream",
                Metadata={"sha256": key},
            )
        self._remember(key)

    def _remember(self, key: str) -> None:
        if len(self._known) >= KNOWN_KEYS:
            self._known.clear()
        self._known.add(key)

    def put_file(self, key: str, fileobj: BinaryIO) -> None:
        # upload_fileobj reads in parts (multipart above 8 MB), never the whole file at once.
        with self._calls("put", key):
            self.client.upload_fileobj(
                fileobj,
                self.bucket,
                self._key(key),
                ExtraArgs={
                    "ContentType": "application/octet-stream",
                    "Metadata": {"sha256": key},
                },
            )
        self._remember(key)

    def get(self, key: str) -> bytes:
        with self._calls("get", key):
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            body = response["Body"]
            try:
                data: bytes = body.read()
            finally:
                body.close()
        return data

    def open(self, key: str) -> BinaryIO:
        with self._calls("get", key):
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        return cast(BinaryIO, _Body(response["Body"], key))

    def size(self, key: str) -> int:
        with self._calls("head", key):
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        if key in self._known:
            return True
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        self._remember(key)
        return True

    def local_path(self, key: str) -> str | None:
        return None

    def download_url(
        self, key: str, filename: str, disposition: Literal["attachment", "inline"]
    ) -> str | None:
        if not self.presign:
            return None
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ResponseContentType": "application/pdf",
                "ResponseContentDisposition": content_disposition(disposition, filename),
            },
            ExpiresIn=PRESIGN_SECONDS,
        )
        return url

    def list_keys(self) -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        with self._calls("list"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", ()):
                    name = item["Key"][len(start) :]
                    if name and "/" not in name and not name.startswith("."):
                        yield name

    def digest(self, key: str) -> str | None:
        try:
            with self._calls("head", key):
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except FileNotFoundError:
            return None
        recorded = head.get("Metadata", {}).get("sha256")
        if recorded:
            return str(recorded)
        # Put there by another tool: hash what is stored.
        with self.open(key) as fh:
            return sha256_of(fh)

    def check(self, *, write: bool = True) -> None:
        """Reach the bucket and write a probe object: a missing bucket, refused credentials or
        an unreachable endpoint is named here, not found at the first upload."""
        from botocore.exceptions import (
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
        )
        from botocore.exceptions import (
            ConnectTimeoutError as ConnectTimeout,
        )

        where = self.location.describe()
        try:
            self.client.head_bucket(Bucket=self.bucket)
            if write:
                probe = f"{self.prefix}/{PROBE_KEY}" if self.prefix else PROBE_KEY
                self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"signet")
        except NoCredentialsError:
            raise StorageUnavailable(
                f"no S3 credentials for {where}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or access_key_id/secret_access_key in the URL)"
            ) from None
        except (EndpointConnectionError, ConnectTimeout) as exc:
            raise StorageUnavailable(f"cannot reach the S3 endpoint of {where}: {exc}") from None
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("404", "NoSuchBucket") or status == 404:
                raise StorageUnavailable(
                    f"the bucket {self.bucket!r} does not exist ({where}); create it first"
                ) from None
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch") or (
                status in (401, 403)
            ):
                raise StorageUnavailable(
                    f"S3 refused the credentials for {where} ({code or status}): check "
                    "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's permissions"
                ) from None
            raise StorageUnavailable(f"S3 answered {code or status} for {where}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - any other failure: say what it was
            raise StorageUnavailable(f"cannot use {where}: {exc}") from None

    def describe(self) -> str:
        return self.location.describe()


class _Body:
    """An S3 response body as a plain binary stream; outages while reading are 503s too."""

    def __init__(self, body: Any, key: str) -> None:
        self._body = body
        self._key = key

    def read(self, size: int = -1) -> bytes:
        from botocore.exceptions import BotoCoreError

        try:
            data: bytes = self._body.read(None if size < 0 else size)
        except BotoCoreError as exc:
            log.warning("storage read %s failed: %s", self._key, exc)
            raise StorageUnavailable(GENERIC) from exc
        return data

    def chunks(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK):
            yield chunk

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
