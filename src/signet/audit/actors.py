"""Who did something, as the audit trail records it: an API key, a recipient, or Signet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who did something, for the audit log."""

    type: str  # api_key | recipient | system
    id: str | None = None
    name: str | None = None
    email: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None

    @property
    def source(self) -> str:
        return {"api_key": "admin", "recipient": "signer"}.get(self.type, "system")


SYSTEM = Actor(type="system", name="Signet")
