"""Blob storage behind one small interface: local files by default, S3 later."""

from signet.storage.base import BlobStore
from signet.storage.local import LocalBlobStore

__all__ = ["BlobStore", "LocalBlobStore"]
