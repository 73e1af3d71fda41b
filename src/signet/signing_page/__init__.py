"""The recipient's signing page: ``/signing/{recipient_id}`` and ``/s/{session_id}``.

``routes.router`` is mounted by ``create_app``. The page is server-rendered (Jinja2) with one
static script and stylesheet; ``security`` owns its CSP, framing and CSRF rules.
"""

from signet.signing_page import routes

__all__ = ["routes"]
