"""Values a document is created or edited with before anyone signs (PandaDoc ``tokens`` and
``fields{name:{value, role}}``).

Tokens are kept on the request and fill the read-only fields whose ``variable_name`` is the
token's name. Field values prefill the fields with that ``variable_name`` (or name): an
editable field starts with the value, a read-only one shows it.
"""

from __future__ import annotations

from typing import Any

from signet.models import SigningRequest

TOKENS_KEY = "tokens"


def tokens_of(request: SigningRequest) -> list[dict[str, str]]:
    return list((request.settings or {}).get(TOKENS_KEY) or [])


def apply_tokens(request: SigningRequest, tokens: list[dict[str, str]]) -> None:
    """Merge ``tokens`` (by name) into the request's and fill the matching read-only fields."""
    merged = {t["name"]: t for t in tokens_of(request)}
    merged.update({t["name"]: {"name": t["name"], "value": t.get("value") or ""} for t in tokens})
    request.settings = {**(request.settings or {}), TOKENS_KEY: list(merged.values())}
    values = {name: t["value"] for name, t in merged.items()}
    for f in request.fields:
        if f.read_only and f.variable_name in values:
            f.read_only_value = values[f.variable_name]


def as_text(value: Any) -> str | None:
    """A client's JSON value as a field value: booleans as "true"/"false"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def apply_field_values(
    request: SigningRequest, values: dict[str, Any], assign: dict[str, str] | None = None
) -> list[str]:
    """Prefill fields named in ``values`` (name → value) and reassign those in ``assign``
    (name → recipient id); returns the names that matched no field."""
    unmatched = []
    for name in set(values) | set(assign or {}):
        matched = [f for f in request.fields if name in (f.variable_name, f.name)]
        if not matched:
            unmatched.append(name)
        for f in matched:
            if name in values:
                text = as_text(values[name])
                if f.read_only:
                    f.read_only_value = text
                else:
                    f.value = text
            if assign and name in assign and not f.read_only:
                f.recipient_id = assign[name]
    return sorted(unmatched)
