"""The composition root's wiring: what the lower layers look up instead of importing upwards.

- the job handlers and periodic work of each domain (``signet.jobs.registry``): the modules that
  declare them are listed here, and importing them registers them;
- each face's view of requests and templates, for webhook data and embed events
  (``signet.webhooks.payloads``).

``create_app`` and ``signet worker`` call ``wire()`` before anything runs. A new job module or
face is added here.
"""

from __future__ import annotations

import signet.idempotency.tasks
import signet.jobs.housekeeping
import signet.mail.tasks
import signet.signing.archive_renewal
import signet.signing.processing
import signet.signing.sms
import signet.signing.tasks
import signet.webhooks.disabled_notice
import signet.webhooks.tasks
from signet.api.firma import webhook_views as firma_views
from signet.api.pandadoc import webhook_views as pandadoc_views
from signet.webhooks import payloads

# Modules whose import declares job handlers or periodic work (kept referenced, so a linter never
# drops them as unused).
JOB_MODULES = (
    signet.idempotency.tasks,
    signet.jobs.housekeeping,
    signet.mail.tasks,
    signet.signing.archive_renewal,
    signet.signing.processing,
    signet.signing.tasks,
    signet.signing.sms,
    signet.webhooks.disabled_notice,
    signet.webhooks.tasks,
)


def wire() -> None:
    """Register the faces' views (idempotent; the job modules registered on import)."""
    payloads.register(payloads.FIRMA, firma_views.VIEWS)
    payloads.register(payloads.PANDADOC, pandadoc_views.VIEWS)
