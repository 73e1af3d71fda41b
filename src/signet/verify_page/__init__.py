"""The public ``/verify`` page: anyone checks a PDF (or a SHA-256) against this installation's
seals, without an account. Server-rendered, works without JavaScript; ``routes.router`` is
mounted by ``create_app``. What it may show is decided in ``signet.signing.verification``."""

from signet.verify_page import routes

__all__ = ["routes"]
