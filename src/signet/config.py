"""One typed Settings object, read from SIGNET_* environment variables and an optional .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNET_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("./signet-data"))
    database_url: str | None = None
    base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Secret used to sign expiring file links; generated into the data dir when unset.
    secret_key: str | None = None
    max_json_body_bytes: int = 30 * 1024 * 1024
    max_inline_pdf_bytes: int = 20 * 1024 * 1024
    max_upload_bytes: int = 50 * 1024 * 1024
    log_level: str = "info"
    # "text" (default) or "json": one JSON object per line, with the request's id.
    log_format: str = "text"

    # Blobs: unset or file://… for local files (<data dir>/blobs); s3://bucket/prefix?endpoint=…
    # for any S3-compatible service (credentials from AWS_* or the URL). docs/operations.md#storage
    storage_url: str | None = None
    # S3 only: downloads redirect to a short-lived presigned URL instead of passing through.
    s3_presign: bool = False

    # Jobs: `signet serve` runs an in-process worker unless SIGNET_INLINE_WORKER=0.
    inline_worker: bool = True
    worker_concurrency: int = 2
    job_poll_interval: float = 0.5
    job_lease_seconds: float = 60.0
    expiry_sweep_seconds: float = 30.0
    # First retry delay; later ones grow by 3.7x, about three days over ten attempts.
    retry_base_seconds: float = 5.0

    # Email: smtp://user:pass@host:port, smtps://…, ?starttls=1. Unset: .eml files in data dir.
    smtp_url: str | None = None
    mail_from: str = "Signet <signet@localhost>"
    # SMS codes (docs/identity.md#sms): a Twilio-compatible endpoint that takes a form POST of
    # To, From and Body, with basic auth from the URL: https://SID:TOKEN@api.twilio.com/2010-04-01/
    # Accounts/SID/Messages.json. Unset: settings that need an SMS are refused with 400.
    sms_url: str | None = None
    sms_from: str = "Signet"

    # Webhooks may target private, loopback and plain-http URLs only when the operator allows it.
    webhook_allow_private: bool = False

    # The instance's seal: a PKCS#12 file, or a key and self-signed certificate made on first start.
    seal_p12: str | None = None
    seal_p12_password: str | None = None
    tsa_url: str | None = None
    # The PAdES level of seals (docs/seal-keys.md#levels): B-LTA whenever tsa_url is set, B-B
    # without; B-T asks for timestamps without revocation data. Normalised below, never None.
    seal_level: Literal["B-B", "B-T", "B-LTA"] | None = None
    # Deprecated alias: 1 is SIGNET_SEAL_LEVEL=B-LTA, 0 with a TSA is B-T.
    seal_lta: bool | None = None
    # A PEM file of CA certificates the B-LTA chains may end at (e.g. the TSA's root).
    seal_lta_roots: str | None = None
    # Archive timestamps (docs/evidence.md): a sealed file gets a new document timestamp when
    # its last one's certificate expires within this many days.
    evidence_refresh_days: int = Field(default=365, ge=1)
    installation_name: str = "Signet"
    # Per-signer signatures made by a remote signing service over the Cloud Signature Consortium
    # API instead of the signing CA (docs/seal-keys.md#remote-signing-service-csc): its base URL
    # (before /csc/v1), the credential that signs, a bearer token, a PIN if the credential needs
    # one, and a time limit per call. Incomplete settings are refused at start.
    csc_url: str | None = None
    csc_credential_id: str | None = None
    csc_token: str | None = None
    csc_pin: str | None = None
    csc_timeout: float = Field(default=30.0, gt=0, le=600)

    # Rate limits (docs/rate-limits.md): per API key and route class, and per client address.
    rate_limits_enabled: bool = True
    # Overrides of the class defaults, e.g. '{"firma.read": "400/minute"}'.
    rate_limits: dict[str, str] = Field(default_factory=dict)
    # Shared counters for several processes (and idempotency locks later): redis://host:6379/0.
    redis_url: str | None = None
    redis_key_prefix: str = "signet"

    @field_validator("seal_level", mode="before")
    @classmethod
    def _upper_seal_level(cls, v: object) -> object:
        if isinstance(v, str):
            v = v.strip().upper()
            return v or None
        return v

    @model_validator(mode="after")
    def _resolve_seal_level(self) -> Settings:
        # Every combination either does what it says or is refused: a TSA that would not be used,
        # or a level made of timestamps without one, would be a setting taken and not honoured.
        level = self.seal_level
        if self.seal_lta is not None:
            if self.seal_lta and not self.tsa_url:
                raise ValueError(
                    "SIGNET_SEAL_LTA=1 needs SIGNET_TSA_URL: B-LTA seals are timestamped"
                )
            alias = "B-LTA" if self.seal_lta else ("B-T" if self.tsa_url else "B-B")
            if level is not None and level != alias:
                raise ValueError(
                    f"SIGNET_SEAL_LTA (deprecated) means {alias} here but SIGNET_SEAL_LEVEL says"
                    f" {level}; keep SIGNET_SEAL_LEVEL only"
                )
            level = alias  # type: ignore[assignment]
        if level is None:
            level = "B-LTA" if self.tsa_url else "B-B"
        if level in ("B-T", "B-LTA") and not self.tsa_url:
            raise ValueError(
                f"SIGNET_SEAL_LEVEL={level} needs SIGNET_TSA_URL: {level} seals are timestamped"
            )
        if level == "B-B" and self.tsa_url:
            raise ValueError(
                "SIGNET_SEAL_LEVEL=B-B takes no timestamps, but SIGNET_TSA_URL is set: unset it,"
                " or choose B-T or B-LTA"
            )
        self.seal_level = level
        return self

    @property
    def seal_pades_level(self) -> Literal["B-B", "B-T", "B-LTA"]:
        """The level seals get (never None once validated)."""
        return self.seal_level or "B-B"

    @model_validator(mode="after")
    def _check_remote_signing(self) -> Settings:
        # A remote signing service is used whole or not at all: a credential or token without a
        # URL, or a URL without a credential or token, would be a setting taken and not honoured.
        self.csc_url = (self.csc_url or "").strip() or None
        if not self.csc_url:
            given = [
                f"SIGNET_CSC_{name.upper()}"
                for name in ("credential_id", "token", "pin")
                if getattr(self, f"csc_{name}")
            ]
            if given:
                raise ValueError(f"{', '.join(given)} needs SIGNET_CSC_URL (the CSC service)")
            return self
        from urllib.parse import urlsplit

        url = urlsplit(self.csc_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(
                "SIGNET_CSC_URL must be the signing service's http(s) base URL, e.g."
                " https://csc.example.com (without /csc/v1)"
            )
        if url.scheme == "http" and url.hostname not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(
                "SIGNET_CSC_URL must use https (plain http only to this machine): the token and"
                " the hashes to sign travel with every call"
            )
        base = self.csc_url.rstrip("/")
        if base.endswith("/csc/v1"):
            base = base[: -len("/csc/v1")]
        self.csc_url = base
        missing = [
            f"SIGNET_CSC_{name.upper()}"
            for name in ("credential_id", "token")
            if not (getattr(self, f"csc_{name}") or "").strip()
        ]
        if missing:
            raise ValueError(
                f"SIGNET_CSC_URL is set but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not: the credential that signs and the"
                " bearer token the service lets Signet in with"
            )
        return self

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, v: str) -> str:
        if v not in ("text", "json"):
            raise ValueError("SIGNET_LOG_FORMAT must be 'text' or 'json'")
        return v

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, v: str) -> str:
        levels = ("critical", "error", "warning", "info", "debug", "trace")
        if v.lower() not in levels:
            raise ValueError(f"SIGNET_LOG_LEVEL must be one of {', '.join(levels)}, not {v!r}")
        return v.lower()

    @field_validator("database_url")
    @classmethod
    def _normalise_db_url(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        # Any postgresql:// URL works: route it to the psycopg 3 driver we ship.
        for prefix in ("postgres://", "postgresql://"):
            if v.startswith(prefix):
                return "postgresql+psycopg://" + v[len(prefix) :]
        return v

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'signet.db').resolve()}"

    @property
    def public_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    def resolved_secret_key(self) -> bytes:
        """The HMAC key for signed links: configured, or created once in the data dir."""
        if self.secret_key:
            return self.secret_key.encode()
        import os
        import secrets

        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            try:
                # O_EXCL: when several processes start at once, exactly one key wins.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32))
        return path.read_text().strip().encode()


@lru_cache
def get_settings() -> Settings:
    return Settings()
