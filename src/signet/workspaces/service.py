"""Create workspaces and API keys. The first workspace of a company is its protected one: its key
acts for the company."""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.kit.tokens import hash_token, new_api_key
from signet.models import ApiKey, Company, Workspace
from signet.workspaces import repository


def default_company(session: Session) -> Company:
    company = repository.first_company(session)
    if company is None:
        company = Company(name="Signet")
        session.add(company)
        session.flush()
    return company


def ensure_workspace(session: Session, name: str) -> Workspace:
    """The workspace with this name, created (in the default company) if it does not exist."""
    ws = repository.workspace_named(session, name)
    if ws is not None:
        return ws
    company = default_company(session)
    first = not repository.count_workspaces(session, company.id)
    ws = Workspace(company_id=company.id, name=name, protected=bool(first), settings={})
    session.add(ws)
    session.flush()
    return ws


def create_api_key(session: Session, workspace: Workspace, name: str, kind: str = "live") -> str:
    """Create a key and return it in plain text: the only time it is ever visible."""
    key = new_api_key(kind)
    session.add(
        ApiKey(
            workspace_id=workspace.id,
            name=name,
            kind=kind,
            key_hash=hash_token(key),
            last_four=key[-4:],
        )
    )
    session.flush()
    return key
