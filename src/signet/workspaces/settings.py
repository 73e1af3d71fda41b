"""Settings a workspace and its company hold for the requests under them, and how a request
inherits them: request (a template's settings are copied into it at use) → workspace →
company → built-in default (docs/settings.md). ``None`` at a layer means "inherit"; ``False``
is a value and stops the walk."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signet.models import Company, Workspace
from signet.workspaces import repository

# Request settings a workspace and a company may hold. Only these are read through the layers,
# so the company route refuses the others rather than keep a value nothing reads (the
# workspace route, older, drops keys it does not know).
INHERITED_KEYS = frozenset({"require_otp_verification"})


def company_of(session: Session, workspace: Workspace) -> Company | None:
    return repository.company_by_id(session, workspace.company_id)


def inherited(session: Session, workspace_id: str, key: str) -> Any:
    """The value a request that leaves ``key`` null gets: its workspace's, else its company's,
    else None (the built-in default applies)."""
    if key not in INHERITED_KEYS:
        raise KeyError(f"{key} is not inherited from the workspace or the company")
    workspace = repository.workspace_by_id(session, workspace_id)
    if workspace is None:
        return None
    value = (workspace.settings or {}).get(key)
    if value is not None:
        return value
    company = company_of(session, workspace)
    return (company.settings or {}).get(key) if company else None
