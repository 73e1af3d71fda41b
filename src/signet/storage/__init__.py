"""Blob storage behind one small interface: local files by default, or any S3-compatible
service, chosen by ``SIGNET_STORAGE_URL`` (``open_store``)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from signet.storage.base import BlobStore, sha256_of
from signet.storage.local import LocalBlobStore

__all__ = ["BlobStore", "LocalBlobStore", "StorageUrlError", "open_store", "sha256_of"]

# URL parameters an s3:// storage URL may carry; anything else is refused, not ignored.
S3_PARAMS = {"endpoint", "region", "access_key_id", "secret_access_key"}


class StorageUrlError(ValueError):
    """SIGNET_STORAGE_URL (or a migrate target) cannot be understood."""


def open_store(url: str | None, data_dir: Path, *, presign: bool = False) -> BlobStore:
    """The blob store ``url`` names: unset or ``file://`` for local files (``file:///abs``
    or ``file://relative/to/cwd``; plain ``file://`` is ``<data dir>/blobs``), or
    ``s3://bucket/prefix?endpoint=…&region=…``. S3 credentials, region and endpoint
    otherwise come from the usual ``AWS_*`` variables. ``presign`` lets S3 downloads
    redirect to a short-lived signed URL."""
    if not url:
        return LocalBlobStore(data_dir / "blobs")
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.query:
            raise StorageUrlError(f"file:// storage takes no parameters: {url}")
        path = (parts.netloc + parts.path) or ""
        return LocalBlobStore(Path(path) if path else data_dir / "blobs")
    if parts.scheme == "s3":
        from signet.storage.s3 import S3BlobStore, S3Location

        if not parts.netloc:
            raise StorageUrlError(f"the S3 storage URL names no bucket: {url}")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = sorted(set(params) - S3_PARAMS)
        if unknown:
            raise StorageUrlError(
                f"unknown S3 storage URL parameter(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(S3_PARAMS))}"
            )
        location = S3Location(
            bucket=parts.netloc,
            prefix=parts.path.strip("/"),
            endpoint=params.get("endpoint")
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
            or None,
            region=params.get("region") or None,
            access_key_id=params.get("access_key_id") or None,
            secret_access_key=params.get("secret_access_key") or None,
        )
        return S3BlobStore(location, presign=presign)
    raise StorageUrlError(f"unsupported storage URL {url!r}: use file://… or s3://bucket/prefix")
