"""PandaDoc ``verification_settings`` of a recipient → the domain's identity checks
(docs/compat/pandadoc.md#recipient-verification, docs/identity.md).

Accepted shapes: ``email_otp_verification`` true (or ``{"enabled": true}``);
``passcode_verification`` a string or ``{"passcode": "…"}``; ``phone_verification`` a string or
``{"phone_number": "…"}`` / ``{"phone": "…"}`` (needs an SMS provider, ``SIGNET_SMS_URL``);
``verification_place`` ``before_open`` (default) or ``before_sign``. KBA and ID checks → 400.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signet.api.pandadoc.schemas_in import VerificationIn
from signet.context import AppContext
from signet.models import Recipient, SigningRequest
from signet.signing import identity
from signet.signing.identity import Configured

_PHONE = identity.PHONE_FORM


def unsupported_options(r: Any, loc: str, problems: list[tuple[str, str]]) -> None:
    """Recipient options Signet cannot honour are refused, never dropped (docs/settings.md)."""
    if r.redirect and _enabled(r.redirect):
        problems.append(
            (f"{loc}.redirect", "is not supported: Signet's page does not redirect a recipient")
        )
    methods = getattr(r, "delivery_methods", None) or {}
    if isinstance(methods, dict) and methods.get("sms"):
        problems.append((f"{loc}.delivery_methods.sms", "SMS delivery is not supported"))


def _enabled(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get("enabled", True) is not False and bool(value)
    return bool(value)


def _text(value: Any, *keys: str) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in keys:
            if isinstance(value.get(key), str):
                return str(value[key])
    return None


def checks_in(
    v: VerificationIn | None,
    loc: str,
    problems: list[tuple[str, str]],
    *,
    sms_available: bool,
    phone: str | None = None,
) -> list[Configured]:
    """The checks asked for one recipient; problems are collected."""
    if v is None:
        return []
    vloc = f"{loc}.verification_settings"
    for key in ("kba_verification", "id_verification"):
        if getattr(v, key):
            problems.append((f"{vloc}.{key}", "is not supported"))
    place = v.verification_place or identity.BEFORE_OPEN
    if place not in identity.PLACES:
        problems.append((f"{vloc}.verification_place", "must be before_open or before_sign"))
        place = identity.BEFORE_OPEN
    out: list[Configured] = []
    if v.passcode_verification:
        code = _text(v.passcode_verification, "passcode", "code")
        if not code or not code.strip() or len(code) > identity.MAX_PASSCODE:
            problems.append(
                (f"{vloc}.passcode_verification", "give the access code, 1 to 64 characters")
            )
        else:
            out.append(Configured(identity.PASSCODE, place, passcode=code))
    if _enabled(v.email_otp_verification):
        out.append(Configured(identity.EMAIL_OTP, place))
    if v.phone_verification:
        number = _text(v.phone_verification, "phone_number", "phone") or phone
        if not sms_available:
            problems.append(
                (
                    f"{vloc}.phone_verification",
                    "SMS codes need an SMS provider, and this server has none "
                    "(SIGNET_SMS_URL is not set)",
                )
            )
        elif not number or not _PHONE.match(number):
            problems.append(
                (f"{vloc}.phone_verification", "give a phone number in E.164 form (+15555550100)")
            )
        else:
            out.append(Configured(identity.SMS, place, phone=number))
    return out


def apply(
    session: Session,
    env: AppContext,
    request: SigningRequest,
    recipient: Recipient,
    checks: list[Configured],
    *,
    replace: bool = False,
) -> None:
    """Store the checks on the recipient (``replace``: drop the ones not given)."""
    wanted = {c.method for c in checks}
    if replace:
        for method in identity.METHODS:
            if method not in wanted:
                identity.remove(session, recipient, method)
    for check in checks:
        identity.configure(session, env, request, recipient, check)
