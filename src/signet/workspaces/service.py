"""Create workspaces and API keys. The first workspace of an installation is the protected one."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signet.kit.tokens import hash_token, new_api_key
from signet.models import ApiKey, Company, Workspace


def default_company(session: Session) -> Company:
    company = session.scalars(select(Company).order_by(Company.created_at).limit(1)).first()
    if company is None:
        company = Company(name="Signet")
        session.add(company)
        session.flush()
    return company


def ensure_workspace(session: Session, name: str) -> Workspace:
    """The workspace with this name, created (in the default company) if it does not exist."""
    ws = session.scalars(select(Workspace).where(Workspace.name == name).limit(1)).first()
    if ws is not None:
        return ws
    company = default_company(session)
    first = not session.scalar(select(func.count()).select_from(Workspace))
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


def has_any_key(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(ApiKey)))
