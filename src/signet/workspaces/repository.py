"""All SQL of companies, workspaces and API keys: reads by id or name, counts, and the key
lookup behind every API request."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signet.models import ApiKey, Company, Workspace


def first_company(session: Session) -> Company | None:
    """The company made first (an installation has one unless more were added)."""
    return session.scalars(select(Company).order_by(Company.created_at).limit(1)).first()


def company_by_id(session: Session, company_id: str) -> Company | None:
    return session.get(Company, company_id)


def workspace_by_id(session: Session, workspace_id: str) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def workspace_named(session: Session, name: str) -> Workspace | None:
    return session.scalars(select(Workspace).where(Workspace.name == name).limit(1)).first()


def count_workspaces(session: Session, company_id: str) -> int:
    stmt = select(func.count()).select_from(Workspace).where(Workspace.company_id == company_id)
    return int(session.scalar(stmt) or 0)


def has_any_key(session: Session) -> bool:
    """Whether any API key was ever made (revoked ones count)."""
    return bool(session.scalar(select(func.count()).select_from(ApiKey)))


def api_key_by_id(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def api_key_with_workspace(session: Session, key_hash: str) -> tuple[ApiKey, Workspace] | None:
    """The key with this hash and its workspace, revoked or expired ones included."""
    row = session.execute(
        select(ApiKey, Workspace)
        .join(Workspace, Workspace.id == ApiKey.workspace_id)
        .where(ApiKey.key_hash == key_hash)
    ).first()
    if row is None:
        return None
    api_key, workspace = row
    return api_key, workspace
