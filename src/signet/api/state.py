"""What every request handler needs from the running app: settings, database, storage, secret."""

from __future__ import annotations

from dataclasses import dataclass

from signet.config import Settings
from signet.db import Database
from signet.storage import BlobStore


@dataclass
class AppState:
    settings: Settings
    db: Database
    store: BlobStore
    secret: bytes

    @property
    def base_url(self) -> str:
        return self.settings.public_base_url
