"""The application context: what every request handler, job and command works with (settings,
database, blob store, the installation's secret). Built once by the composition root
(``signet.app.build_context``) and passed down; the domain types it as ``AppContext``."""

from __future__ import annotations

from dataclasses import dataclass

from signet.config import Settings
from signet.db import Database
from signet.storage import BlobStore


@dataclass
class AppContext:
    settings: Settings
    db: Database
    store: BlobStore
    secret: bytes

    @property
    def base_url(self) -> str:
        return self.settings.public_base_url
