"""Firma: ``GET/PUT/PATCH /company`` and ``GET/PUT /company/settings``, for the company of the
key's workspace.

Every key of the company reads; only the protected workspace's key writes, since a company
setting reaches every workspace of the company. The settings hold what requests inherit when
their workspace, template and request all leave a key null (``signet.workspaces.settings``);
keys Signet reads only per workspace or per request are refused here, naming where they go.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from signet.api.auth import AuthContext
from signet.api.deps import Auth, State
from signet.api.input_model import InputModel
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.errors import Forbidden, NotFound, ValidationFailed
from signet.kit.timefmt import firma_time
from signet.models import Company
from signet.models.base import utcnow
from signet.signing import signer_signatures
from signet.signing.rules import SETTINGS_DEFAULTS
from signet.workspaces.repository import company_by_id
from signet.workspaces.settings import INHERITED_KEYS

router = APIRouter(tags=["Company"])

# Keys of the workspace settings that have no company-level value in Signet.
_WORKSPACE_ONLY = {
    "team_email",
    "timezone",
    "language",
    "consent_text",
    "embed_allowed_origins",
    "webhook_enabled",
    "ignore_company_webhooks",
}
# Request settings a workspace may hold (its requests inherit them) but its company may not.
_FROM_WORKSPACE = {signer_signatures.SETTING}
# What GET /company answers that a client may send back unchanged.
_READ_ONLY_ECHO = {"id", "created_date", "updated_date"}


class CompanyIn(InputModel):
    model_config = ConfigDict(extra="allow")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    credits: Any = Field(
        default=None, description="Read-only: Signet counts no credits; sending it answers 400"
    )


class CompanyOut(BaseModel):
    id: str
    name: str
    credits: None = Field(description="Always null: Signet counts no credits")
    created_date: str | None
    updated_date: str | None


class CompanySettingsIn(InputModel):
    model_config = ConfigDict(extra="allow")

    require_otp_verification: bool | None = Field(
        default=None,
        description="Email code before signing, for requests whose workspace, template and "
        "request all leave it null",
    )


class CompanySettingsOut(BaseModel):
    company_id: str
    require_otp_verification: bool | None


def _company(session: Session, auth: AuthContext) -> Company:
    company = company_by_id(session, auth.company_id)
    if company is None:  # the key's workspace names it, so only a damaged database gets here
        raise NotFound("Company not found")
    return company


def _writer(auth: AuthContext) -> None:
    if not auth.workspace_protected:
        raise Forbidden(
            "Company settings reach every workspace: changing them requires the protected "
            "workspace's API key",
            code="PROTECTED_KEY_REQUIRED",
        )


def _company_out(company: Company) -> CompanyOut:
    return CompanyOut(
        id=company.id,
        name=company.name,
        credits=None,
        created_date=firma_time(company.created_at),
        updated_date=firma_time(company.updated_at or company.created_at),
    )


def _settings_out(company: Company) -> CompanySettingsOut:
    s = company.settings or {}
    return CompanySettingsOut(
        company_id=company.id, require_otp_verification=s.get("require_otp_verification")
    )


def _refused_setting(key: str) -> str:
    if key in _WORKSPACE_ONLY:
        return "is a workspace setting: set it with PUT /workspace/{workspace_id}/settings"
    if key in _FROM_WORKSPACE:
        return (
            "is not inherited from the company in Signet: set it with "
            "PUT /workspace/{workspace_id}/settings, on the template or on the request"
        )
    if key in SETTINGS_DEFAULTS and key not in INHERITED_KEYS:
        return "is not inherited from the company in Signet: set it on the template or request"
    return "is not a company setting"


@router.get("/company", response_model=CompanyOut, responses=errors_of(401))
def get_company(auth: Auth, state: State) -> JSONBytes:
    """The company of the key's workspace. `credits` is always null: Signet counts none."""
    with state.db.read() as session:
        return json_response(_company_out(_company(session, auth)))


def _change_company(body: CompanyIn, auth: AuthContext, state: Any) -> JSONBytes:
    _writer(auth)
    problems = [
        (key, "is not a company property Signet keeps")
        for key in sorted(body.model_extra or {})
        if key not in _READ_ONLY_ECHO
    ]
    if "credits" in body.model_fields_set:
        problems.insert(0, ("credits", "is read-only: Signet counts no credits"))
    if "name" in body.model_fields_set and body.name is None:
        problems.append(("name", "must not be null"))
    if problems:
        raise ValidationFailed(problems)
    with transaction(state.db.write) as session:
        company = _company(session, auth)
        if body.name is not None and body.name != company.name:
            company.name = body.name
            company.updated_at = utcnow()
        return json_response(_company_out(company))


@router.put("/company", response_model=CompanyOut, responses=errors_of(400, 401, 403))
def put_company(body: CompanyIn, auth: Auth, state: State) -> JSONBytes:
    """Rename the company (`name`). Needs the protected workspace's key; `credits` is
    read-only (400)."""
    return _change_company(body, auth, state)


@router.patch("/company", response_model=CompanyOut, responses=errors_of(400, 401, 403))
def patch_company(body: CompanyIn, auth: Auth, state: State) -> JSONBytes:
    """Same as `PUT /company`: only the keys given change."""
    return _change_company(body, auth, state)


@router.get("/company/settings", response_model=CompanySettingsOut, responses=errors_of(401))
def get_company_settings(auth: Auth, state: State) -> JSONBytes:
    """The settings of the key's company: the top layer a request inherits from (request →
    template → workspace → company; `null` means inherit, then the built-in default)."""
    with state.db.read() as session:
        return json_response(_settings_out(_company(session, auth)))


@router.put(
    "/company/settings", response_model=CompanySettingsOut, responses=errors_of(400, 401, 403)
)
def put_company_settings(body: CompanySettingsIn, auth: Auth, state: State) -> JSONBytes:
    """Change the settings given (others stay); `null` puts one back to inherit. Needs the
    protected workspace's key. Only `require_otp_verification` has a company-level value;
    workspace settings (`team_email`, `timezone`, …) and the other request settings answer
    400 naming where to set them."""
    _writer(auth)
    problems = [(key, _refused_setting(key)) for key in sorted(body.model_extra or {})]
    if problems:
        raise ValidationFailed(problems)
    given = body.model_dump(exclude_unset=True, exclude=set(body.model_extra or {}))
    with transaction(state.db.write) as session:
        company = _company(session, auth)
        settings = dict(company.settings or {})
        for key, value in given.items():
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        if settings != (company.settings or {}):
            company.settings = settings
            company.updated_at = utcnow()
        return json_response(_settings_out(company))
