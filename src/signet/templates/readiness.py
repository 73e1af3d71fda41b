"""What a template role still lacks before a request made from it can be sent: the recipient
data its fields need (``required_fields`` / ``missing_fields``) and the required read-only
values without a default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from signet.models import Template, TemplateUser
from signet.signing import rules


@dataclass
class Readiness:
    """What a template role still lacks before a request made from it can be sent."""

    required_fields: list[str]
    missing_fields: list[str]
    required_read_only_fields: list[dict[str, Any]]
    ready_to_send: bool


def readiness(template: Template, user: TemplateUser) -> Readiness:
    required = ["email", "first_name"]
    read_only: list[dict[str, Any]] = []
    for f in template.fields:
        if f.template_user_id != user.id:
            continue
        key = f.prefilled_data or (
            f.variable_name if f.variable_name in rules.PREFILL_KEYS else None
        )
        for name in ["first_name", "last_name"] if key == "full_name" else [key]:
            if name in rules.PREFILL_KEYS and name not in required:
                required.append(name)
        if f.read_only and f.required:
            has_value = bool(f.read_only_value) or bool(key and _user_value(user, key))
            read_only.append(
                {
                    "variable_name": f.variable_name,
                    "variable_defined_name": f.variable_defined_name,
                    "field_type": f.type,
                    "has_value": has_value,
                }
            )
    missing = [k for k in required if not _user_value(user, k)]
    return Readiness(
        required, missing, read_only, not missing and all(x["has_value"] for x in read_only)
    )


def _user_value(user: TemplateUser, key: str) -> str | None:
    if key == "full_name":
        return user.name or None
    value = (
        getattr(user, key, None)
        if key in rules.PREFILL_KEYS
        else ((user.custom_fields or {}).get(key))
    )
    return str(value) if value not in (None, "") else None
