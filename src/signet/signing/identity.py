"""Signer identity: the checks a recipient passes before opening or signing (docs/identity.md).

Three methods, asked in this order when several apply:

* ``passcode``: an access code the sender set (PandaDoc ``passcode_verification``);
* ``email_otp``: a 6-digit code emailed to the recipient (Firma ``require_otp_verification``,
  PandaDoc ``email_otp_verification``);
* ``sms``: a 6-digit code sent by SMS through the operator's provider (PandaDoc
  ``phone_verification``, Firma extension ``require_sms_verification``).

Codes live 10 minutes; 5 wrong tries lock the method until the sender resends or reminds. Codes
and access codes are kept as HMACs under a key derived from the installation secret and compared
in constant time. Every send, success, failure, lock and unlock is an audit event.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from signet.audit.actors import Actor
from signet.audit.service import record_event
from signet.context import AppContext
from signet.errors import SignetError
from signet.jobs.queue import enqueue
from signet.kit.sealed import seal
from signet.models import Recipient, RecipientVerification, SigningRequest
from signet.models.base import utcnow
from signet.signing import verification_repository
from signet.workspaces.settings import inherited

PASSCODE, EMAIL_OTP, SMS = "passcode", "email_otp", "sms"
METHODS = (PASSCODE, EMAIL_OTP, SMS)
BEFORE_OPEN, BEFORE_SIGN = "before_open", "before_sign"
PLACES = (BEFORE_OPEN, BEFORE_SIGN)
CODE_TTL = timedelta(minutes=10)
# A live code is not replaced sooner than this: a link holder cannot flood the recipient's inbox.
RESEND_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 5
CODE_DIGITS = 6
MAX_PASSCODE = 64
_HASH_CONTEXT = b"signet.signing.identity.code.v1"

# Audit event names per method: (code sent, passed, failed, locked).
EVENTS: dict[str, tuple[str | None, str, str, str]] = {
    PASSCODE: (None, "passcode_passed", "passcode_failed", "passcode_locked"),
    EMAIL_OTP: ("otp_sent", "otp_verified", "otp_failed", "otp_locked"),
    SMS: ("sms_code_sent", "sms_verified", "sms_failed", "sms_locked"),
}


class Env(Protocol):
    @property
    def secret(self) -> bytes: ...

    @property
    def settings(self) -> Any: ...


class VerificationError(SignetError):
    """A code or access code that does not open the document (the page shows the message)."""

    status_code = 400
    code = "VERIFICATION_FAILED"


@dataclass(frozen=True)
class Configured:
    """A method a face asks for on one recipient, before the request exists."""

    method: str
    place: str = BEFORE_OPEN
    passcode: str | None = None
    phone: str | None = None


def hash_code(secret: bytes, verification_id: str, code: str) -> str:
    key = hmac.new(secret, _HASH_CONTEXT, hashlib.sha256).digest()
    return hmac.new(key, f"{verification_id}|{code}".encode(), hashlib.sha256).hexdigest()


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def mask_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return f"+…{digits[-4:]}" if len(digits) >= 4 else "+…"


def email_otp_required(session: Session, request: SigningRequest) -> bool:
    """The request's ``require_otp_verification``; null inherits the workspace's, then the
    company's (then off)."""
    value = (request.settings or {}).get("require_otp_verification")
    if value is None:
        value = inherited(session, request.workspace_id, "require_otp_verification")
    return bool(value)


def sms_required_by_settings(request: SigningRequest) -> bool:
    return bool((request.settings or {}).get("require_sms_verification"))


NO_SMS_PROVIDER = (
    "SMS codes need an SMS provider, and this server has none (SIGNET_SMS_URL is not set)"
)
PHONE_FORM = re.compile(r"^\+[1-9]\d{6,14}$")


def sms_available(env: AppContext) -> bool:
    settings = getattr(env, "settings", None)
    return bool(getattr(settings, "sms_url", None))


def settings_problems(
    env: AppContext, settings: dict[str, Any] | None, loc: str = "settings"
) -> list[tuple[str, str]]:
    """A Firma ``require_sms_verification: true`` on a server without an SMS provider."""
    if (settings or {}).get("require_sms_verification") is True and not sms_available(env):
        return [(f"{loc}.require_sms_verification", NO_SMS_PROVIDER)]
    return []


def send_problems(env: AppContext, request: SigningRequest) -> list[tuple[str, str]]:
    """What keeps ``require_sms_verification`` from working: no provider, or a signer without
    a phone number in E.164 form."""
    if not sms_required_by_settings(request):
        return []
    if not sms_available(env):
        return [("settings.require_sms_verification", NO_SMS_PROVIDER)]
    return [
        (f"recipients[{i}].phone_number", "require_sms_verification needs an E.164 number")
        for i, r in enumerate(request.recipients)
        if r.acts and not PHONE_FORM.match(r.phone_number or "")
    ]


def _rows(session: Session, recipient: Recipient) -> dict[str, RecipientVerification]:
    return {r.method: r for r in verification_repository.for_recipients(session, [recipient.id])}


def checks(
    session: Session, request: SigningRequest, recipient: Recipient, *, create: bool = False
) -> list[RecipientVerification]:
    """The methods this recipient must pass, in the order the page asks them. Methods implied
    by settings get their row on first use (``create`` in a write transaction); on a read they
    are returned unsaved."""
    if not recipient.acts:
        return []
    rows = _rows(session, recipient)
    implied = []
    if email_otp_required(session, request):
        implied.append(EMAIL_OTP)
    if sms_required_by_settings(request):
        implied.append(SMS)
    for method in implied:
        if method not in rows:
            row = RecipientVerification(
                recipient_id=recipient.id,
                signing_request_id=request.id,
                method=method,
                place=BEFORE_OPEN,
                phone=recipient.phone_number if method == SMS else None,
                failed_attempts=0,
            )
            if create:
                session.add(row)
                session.flush()
            rows[method] = row
    return [rows[m] for m in METHODS if m in rows]


def configure(
    session: Session, env: Env, request: SigningRequest, recipient: Recipient, wanted: Configured
) -> None:
    """Set (or replace) one method on a recipient, as the sender asked."""
    row = _rows(session, recipient).get(wanted.method)
    if row is None:
        row = RecipientVerification(
            recipient_id=recipient.id,
            signing_request_id=request.id,
            method=wanted.method,
            failed_attempts=0,
        )
        session.add(row)
        session.flush()
    row.place = wanted.place
    row.phone = wanted.phone
    if wanted.passcode is not None:
        row.secret_hash = hash_code(env.secret, row.id, wanted.passcode)
    row.failed_attempts, row.locked_at = 0, None


def remove(session: Session, recipient: Recipient, method: str) -> None:
    row = _rows(session, recipient).get(method)
    if row is not None:
        session.delete(row)


def _destination(row: RecipientVerification, recipient: Recipient) -> str:
    if row.method == SMS:
        return mask_phone(row.phone or "")
    return mask_email(recipient.email)


def send_code(
    session: Session,
    env: Env,
    request: SigningRequest,
    recipient: Recipient,
    row: RecipientVerification,
    actor: Actor,
) -> str:
    """Make a new code for ``row`` (email or SMS), queue its delivery; the masked destination.
    A new code replaces the previous one; it does not reset the tries."""
    if row.method not in (EMAIL_OTP, SMS):
        raise VerificationError("This check has no code to send", code="NO_CODE_TO_SEND")
    if row.locked_at is not None:
        raise VerificationError(
            "Too many wrong codes: ask the sender to send the document again",
            code="VERIFICATION_LOCKED",
            status_code=423,
        )
    if row.method == SMS and not (env.settings.sms_url and row.phone):
        raise VerificationError("No SMS can be sent for this document", code="SMS_UNAVAILABLE")
    now = utcnow()
    live = row.code_hash is not None and row.code_expires_at and row.code_expires_at > now
    if live and row.code_sent_at and now - row.code_sent_at < RESEND_AFTER:
        raise VerificationError(
            "A code was sent less than 30 seconds ago: check for it, then ask again if needed",
            code="CODE_RECENTLY_SENT",
            status_code=429,
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row.code_hash = hash_code(env.secret, row.id, code)
    row.code_sent_at, row.code_expires_at = now, now + CODE_TTL
    sealed = seal(env.secret, code)
    if row.method == EMAIL_OTP:
        # Not signing.notify.email: a code is sent even for a PandaDoc "silent" document.
        enqueue(
            session,
            "email.send",
            {
                "email_type": "signing_otp",
                "signing_request_id": request.id,
                "recipient_id": recipient.id,
                "to": None,
                "extra": {"otp_code_sealed": sealed, "otp_minutes": CODE_TTL.seconds // 60},
            },
            max_attempts=3,
        )
    else:
        enqueue(
            session,
            "sms.send",
            {"signing_request_id": request.id, "to": row.phone, "code_sealed": sealed},
            max_attempts=3,
        )
    to = _destination(row, recipient)
    sent_event = EVENTS[row.method][0]
    if sent_event:
        record_event(
            session, request, sent_event, actor, recipient_id=recipient.id, details={"to": to}
        )
    return to


def check_code(
    session: Session,
    env: Env,
    request: SigningRequest,
    recipient: Recipient,
    row: RecipientVerification,
    code: str,
    actor: Actor,
) -> None:
    """Accept ``code`` for ``row`` or raise; every outcome is audited."""
    _sent, passed, failed, locked = EVENTS[row.method]
    if row.locked_at is not None:
        raise VerificationError(
            "Too many wrong codes: ask the sender to send the document again",
            code="VERIFICATION_LOCKED",
            status_code=423,
        )
    code = "".join(code.split())[:MAX_PASSCODE] if row.method != PASSCODE else code[:MAX_PASSCODE]
    expected = row.secret_hash if row.method == PASSCODE else row.code_hash
    expired = (
        row.method != PASSCODE
        and row.code_expires_at is not None
        and row.code_expires_at <= utcnow()
    )
    given = hash_code(env.secret, row.id, code)
    if expected and not expired and hmac.compare_digest(given, expected):
        row.verified_at = utcnow()
        row.failed_attempts = 0
        if row.method != PASSCODE:
            row.code_hash, row.code_expires_at = None, None
        details = {"method": row.method}
        if row.method != PASSCODE:
            details["to"] = _destination(row, recipient)
        record_event(session, request, passed, actor, recipient_id=recipient.id, details=details)
        return
    row.failed_attempts += 1
    reason = "expired" if expired else ("no_code" if not expected else "wrong")
    record_event(
        session,
        request,
        failed,
        actor,
        recipient_id=recipient.id,
        details={"reason": reason, "attempt": row.failed_attempts},
    )
    if row.failed_attempts >= MAX_ATTEMPTS:
        row.locked_at = utcnow()
        row.code_hash, row.code_expires_at = None, None
        record_event(
            session,
            request,
            locked,
            actor,
            recipient_id=recipient.id,
            details={"attempts": row.failed_attempts},
        )
        raise VerificationError(
            "Too many wrong codes: ask the sender to send the document again",
            code="VERIFICATION_LOCKED",
            status_code=423,
        )
    left = MAX_ATTEMPTS - row.failed_attempts
    if expired:
        message = "This code has expired: send a new one"
    elif not expected:
        message = "Send yourself a code first"
    else:
        message = f"That code is not right ({left} {'try' if left == 1 else 'tries'} left)"
    raise VerificationError(message, code="CODE_EXPIRED" if expired else "CODE_INVALID")


def unlock(
    session: Session, request: SigningRequest, targets: list[Recipient], actor: Actor
) -> None:
    """A resend or reminder by the sender clears the tries and the lock of these recipients."""
    for row in verification_repository.for_recipients(session, [r.id for r in targets]):
        was_locked = row.locked_at is not None
        row.failed_attempts, row.locked_at = 0, None
        if was_locked:
            record_event(
                session,
                request,
                "verification_unlocked",
                actor,
                recipient_id=row.recipient_id,
                details={"method": row.method},
            )


def passed_methods(events: list[Any], recipient_id: str) -> list[tuple[str, str | None]]:
    """(method, masked destination) of every check this recipient passed, from the audit trail."""
    by_event = {names[1]: method for method, names in EVENTS.items()}
    out: list[tuple[str, str | None]] = []
    for e in events:
        method = by_event.get(e.event)
        if method and e.recipient_id == recipient_id and method not in [m for m, _ in out]:
            out.append((method, (e.details or {}).get("to")))
    return out


def describe(passed: list[tuple[str, str | None]]) -> str:
    """How the certificate names the checks passed: "email code to a…@example.com" …"""
    words = {
        EMAIL_OTP: lambda to: f"email code to {to}" if to else "email code",
        PASSCODE: lambda _to: "access code",
        SMS: lambda to: f"SMS code to {to}" if to else "SMS code",
    }
    return " + ".join(words[m](to) for m, to in passed)
