"""SQLAlchemy models, one small file per table group. Importing this registers them all."""

from signet.models.archive_renewal import ArchiveRenewal
from signet.models.audit_event import AuditEvent
from signet.models.base import Base
from signet.models.document import Blob, UploadedDocument
from signet.models.field import Field
from signet.models.idempotency_key import IdempotencyKey
from signet.models.job import Job
from signet.models.recipient import Recipient
from signet.models.recipient_verification import RecipientVerification
from signet.models.reminder import Reminder
from signet.models.signing_request import SigningRequest
from signet.models.signing_session import SigningSession
from signet.models.template import (
    CustomFieldDefinition,
    Template,
    TemplateField,
    TemplateReminder,
    TemplateUser,
)
from signet.models.webhook import (
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSecret,
)
from signet.models.workspace import ApiKey, Company, Workspace

__all__ = [
    "ApiKey",
    "ArchiveRenewal",
    "AuditEvent",
    "Base",
    "Blob",
    "Company",
    "CustomFieldDefinition",
    "Field",
    "IdempotencyKey",
    "Job",
    "Recipient",
    "RecipientVerification",
    "Reminder",
    "SigningRequest",
    "SigningSession",
    "Template",
    "TemplateField",
    "TemplateReminder",
    "TemplateUser",
    "UploadedDocument",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSecret",
    "Workspace",
]
