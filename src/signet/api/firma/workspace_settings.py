"""Firma: ``GET/PUT /workspace/{workspace_id}/settings`` for the caller's own workspace.

Holds what the signing page and notifications read per workspace: the team email, the time
zone, the consent text, which sites may frame the signing page, and the webhook switches.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from signet.api.auth import AuthContext
from signet.api.deps import Auth, State
from signet.api.input_model import InputModel
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.errors import NotFound, ValidationFailed
from signet.kit.ids import parse_uuid
from signet.models import Workspace
from signet.signing.validation import is_valid_email
from signet.workspaces.repository import workspace_by_id

router = APIRouter(tags=["Workspace settings"])

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class WorkspaceSettingsIn(InputModel):
    # Extra keys are kept here only to be named in the PUT answer's `warnings`: upstream has
    # settings Signet does not (colours, email header/body, completion pages); they are not stored.
    model_config = ConfigDict(extra="allow")

    team_email: str | None = None
    timezone: str | None = None
    language: str | None = None
    consent_text: str | None = Field(default=None, max_length=5000)
    embed_allowed_origins: list[str] | None = Field(
        default=None, description="Origins allowed to frame the signing page; empty: any https"
    )
    webhook_enabled: bool | None = None
    ignore_company_webhooks: bool | None = None
    require_otp_verification: bool | None = Field(
        default=None, description="Email code before signing, for requests that leave it null"
    )
    signature_per_signer: bool | None = Field(
        default=None,
        description=(
            "Signet extension: each signer's own PAdES signature in the sealed PDF, for "
            "requests that leave it null"
        ),
    )


class WorkspaceSettingsOut(BaseModel):
    workspace_id: str
    team_email: str | None
    timezone: str
    language: str
    consent_text: str | None
    embed_allowed_origins: list[str]
    webhook_enabled: bool
    ignore_company_webhooks: bool
    require_otp_verification: bool | None
    signature_per_signer: bool | None = Field(
        default=None,
        description="Signet extension: each signer's own PAdES signature in the sealed PDF",
    )


class WorkspaceSettingsPut(WorkspaceSettingsOut):
    warnings: list[str] = Field(
        description="Keys given that Signet did not store or does not act on, and why"
    )


# Stored and echoed, but not acted on by Signet (see docs/settings.md).
_NOT_ACTED_ON = {
    "language": "stored; a request's language comes from the request (default en), "
    "not from the workspace",
}


def _warnings(body: WorkspaceSettingsIn, given: dict[str, object]) -> list[str]:
    out = [
        f"{k}: not a workspace setting of Signet; ignored, not stored"
        for k in body.model_extra or {}
    ]
    out += [f"{k}: {why}" for k, why in _NOT_ACTED_ON.items() if given.get(k) is not None]
    return out


def _own(session: Session, auth: AuthContext, workspace_id: str) -> Workspace:
    wid = parse_uuid(workspace_id)
    ws = workspace_by_id(session, wid) if wid else None
    if ws is None or ws.id != auth.workspace_id:
        raise NotFound("Workspace not found")
    return ws


def _out(ws: Workspace) -> WorkspaceSettingsOut:
    s = ws.settings or {}
    return WorkspaceSettingsOut(
        workspace_id=ws.id,
        team_email=s.get("team_email"),
        timezone=ws.timezone or "UTC",
        language=s.get("language", "en"),
        consent_text=s.get("consent_text"),
        embed_allowed_origins=list(s.get("embed_allowed_origins") or []),
        webhook_enabled=s.get("webhook_enabled", True) is not False,
        ignore_company_webhooks=bool(s.get("ignore_company_webhooks")),
        require_otp_verification=s.get("require_otp_verification"),
        signature_per_signer=s.get("signature_per_signer"),
    )


@router.get(
    "/workspace/{workspace_id}/settings",
    response_model=WorkspaceSettingsOut,
    responses=errors_of(401, 404),
)
def get_workspace_settings(workspace_id: str, auth: Auth, state: State) -> JSONBytes:
    """The settings of the key's own workspace."""
    with state.db.read() as session:
        return json_response(_out(_own(session, auth, workspace_id)))


@router.put(
    "/workspace/{workspace_id}/settings",
    response_model=WorkspaceSettingsPut,
    responses=errors_of(400, 401, 404),
)
def put_workspace_settings(
    workspace_id: str, body: WorkspaceSettingsIn, auth: Auth, state: State
) -> JSONBytes:
    """Change the settings given (others stay as they are); `null` puts a setting back to its
    default. `embed_allowed_origins` decides which sites may frame the signing page
    (`frame-ancestors`). Keys Signet has no setting for are not stored and are named in
    `warnings`."""
    problems: list[tuple[str, str]] = []
    given = body.model_dump(exclude_unset=True, exclude=set(body.model_extra or {}))
    if given.get("team_email") and not is_valid_email(given["team_email"]):
        problems.append(("team_email", "Invalid email"))
    if given.get("timezone") is not None:
        try:
            ZoneInfo(str(given["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(("timezone", "must be an IANA time zone such as Europe/Paris"))
    for i, origin in enumerate(given.get("embed_allowed_origins") or []):
        if not _ORIGIN.match(origin):
            problems.append(
                (f"embed_allowed_origins[{i}]", "must be an origin such as https://app.example.com")
            )
    if problems:
        raise ValidationFailed(problems)
    with transaction(state.db.write) as session:
        ws = _own(session, auth, workspace_id)
        settings = dict(ws.settings or {})
        for key, value in given.items():
            if key == "timezone":
                ws.timezone = value or "UTC"
            elif value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        ws.settings = settings
        out = _out(ws)
        return json_response(
            WorkspaceSettingsPut(**out.model_dump(), warnings=_warnings(body, given))
        )
