"""Translate PandaDoc request bodies into the domain's face-neutral specs (docs/compat/pandadoc.md).

Problems are collected, never raised one by one, so a 400 lists every one of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from signet.api.pandadoc.schemas import FieldIn, RecipientIn
from signet.api.pandadoc.verification import checks_in, unsupported_options
from signet.signing.geometry import ANCHORS, PointBox
from signet.signing.identity import Configured
from signet.signing.specs import RecipientSpec
from signet.signing.step_orders import check_orders

Problems = list[tuple[str, str]]

TYPE_IN = {
    "signature": "signature",
    "initials": "initial",
    "initial": "initial",
    "text": "text",
    "date": "date",
    "checkbox": "checkbox",
    "radio_buttons": "radio_buttons",
    "dropdown": "dropdown",
    "collect_file": "file",
    "stamp": "stamp",
}
RADIO_HEIGHT = 15.0


@dataclass
class Recipients:
    specs: list[RecipientSpec] = field(default_factory=list)
    orders: list[int | None] = field(default_factory=list)
    use_signing_order: bool = False
    by_role: dict[str, str] = field(default_factory=dict)  # role → ref
    # Per spec, the identity checks asked in verification_settings.
    checks: list[list[Configured]] = field(default_factory=list)


def _designation(r: RecipientIn, loc: str, problems: Problems) -> str:
    kind = (r.recipient_type or "").strip().lower()
    if kind == "approver":
        return "Approver"
    if kind == "signer":
        return "Signer"
    if kind == "cc":
        return "CC"
    if kind:
        problems.append((f"{loc}.recipient_type", "must be signer, approver or CC"))
    return "Signer" if r.role else "CC"


def recipients_in(
    items: list[RecipientIn],
    problems: Problems,
    *,
    loc: str = "recipients",
    first_ref: int = 1,
    role_may_supply_email: bool = False,
    sms_available: bool = False,
) -> Recipients:
    """PandaDoc recipients → specs with ``temp_<n>`` refs; a role makes a Signer (Approver with
    ``recipient_type: approver``), no role a CC; an email is required (unless a template role
    may already hold one: ``role_may_supply_email``)."""
    result = Recipients()
    for i, r in enumerate(items):
        rloc = f"{loc}[{i}]"
        if not (r.email or "").strip() and not (role_may_supply_email and r.role):
            problems.append(
                (
                    f"{rloc}.email",
                    "Recipients need an email; phone-only recipients are not supported"
                    if r.phone
                    else "This field is required.",
                )
            )
        designation = _designation(r, rloc, problems)
        unsupported_options(r, rloc, problems)
        result.checks.append(
            checks_in(
                r.verification_settings, rloc, problems, sms_available=sms_available, phone=r.phone
            )
        )
        ref = f"temp_{first_ref + i}"
        if r.role:
            if r.role in result.by_role:
                problems.append((f"{rloc}.role", f"duplicate role {r.role!r}"))
            result.by_role[r.role] = ref
        result.specs.append(
            RecipientSpec(
                ref=ref,
                first_name=(r.first_name or "").strip(),
                last_name=(r.last_name or "").strip(),
                email=(r.email or "").strip(),
                designation=designation,
                phone_number=r.phone,
                role=r.role,
                company=r.company,
                title=r.job_title,
            )
        )
        result.orders.append(r.signing_order if designation != "CC" else None)
    acting = [s.designation != "CC" for s in result.specs]
    result.use_signing_order, more = check_orders(result.orders, acting)
    problems.extend((p.replace("recipients", loc, 1), m) for p, m in more)
    return result


def metadata_in(raw: dict[str, Any], problems: Problems) -> dict[str, str]:
    """PandaDoc metadata values may be any JSON; the shared store keeps strings."""
    out: dict[str, str] = {}
    for key, value in raw.items():
        if value is None:
            continue
        out[key] = value if isinstance(value, str) else json.dumps(value)
    return out


Resolver = Callable[[str], str | None]


def placements_in(
    items: list[FieldIn], resolve: Resolver, problems: Problems, *, loc: str = "fields"
) -> list[dict[str, Any]]:
    """PandaDoc field placements → ``{"spec": FieldSpec kwargs, "box": PointBox}`` (points are
    turned into percent once the page sizes are known)."""
    out: list[dict[str, Any]] = []
    for i, f in enumerate(items):
        floc = f"{loc}[{i}]"
        raw_type = (f.type or "").strip().lower()
        ftype = TYPE_IN.get(raw_type)
        if raw_type == "payment_details":
            problems.append((f"{floc}.type", "payment_details fields are not supported"))
            continue
        if ftype is None:
            problems.append(
                (
                    f"{floc}.type",
                    f"unknown field type {f.type!r}; expected one of "
                    + ", ".join(sorted(set(TYPE_IN) - {"initial"})),
                )
            )
            continue
        if ftype == "text" and f.settings.multiline:
            ftype = "text_area"
        ref = None
        if f.assigned_to:
            ref = resolve(f.assigned_to)
            if ref is None:
                problems.append(
                    (f"{floc}.assigned_to", f"unknown recipient or role {f.assigned_to!r}")
                )
        pos, style = f.layout.position, f.layout.style
        anchor = (pos.anchor_point or "topleft").lower()
        if anchor not in ANCHORS:
            problems.append(
                (f"{floc}.layout.position.anchor_point", "must be one of " + ", ".join(ANCHORS))
            )
            anchor = "topleft"
        fmt = {
            k: v
            for k, v in (
                ("placeholder", f.settings.placeholder),
                ("masked", f.settings.masked or None),
            )
            if v is not None
        }
        spec: dict[str, Any] = {
            "type": ftype,
            "recipient_ref": ref,
            "required": f.settings.required,
            "name": f.name or f.title,
            "variable_name": f.field_id or f.merge_field,
            "format_rules": fmt or None,
            "dropdown_options": f.settings.options if ftype == "dropdown" else None,
            "read_only_value": str(f.value) if ftype == "stamp" and f.value else None,
        }
        if ftype == "radio_buttons":
            group = f.field_id or f.name or f"radio_{i + 1}"
            height = style.height or RADIO_HEIGHT
            for k, option in enumerate(f.settings.options or [f.name or "Option"]):
                box = PointBox(
                    f.layout.page,
                    pos.offset_x,
                    pos.offset_y + k * height,
                    style.width,
                    height,
                    anchor,
                )
                out.append(
                    {
                        "spec": {
                            **spec,
                            "name": option,
                            "multi_group_id": group,
                            "variable_name": group,
                        },
                        "box": asdict(box),
                    }
                )
            continue
        box = PointBox(f.layout.page, pos.offset_x, pos.offset_y, style.width, style.height, anchor)
        out.append({"index": i, "spec": spec, "box": asdict(box)})
    return out


def values_in(
    raw: dict[str, Any], by_role: dict[str, str], problems: Problems
) -> tuple[dict[str, Any], dict[str, str]]:
    """``fields{name:{value, role}}`` → (name → value, name → recipient ref); unknown roles
    are problems."""
    values: dict[str, Any] = {}
    assign: dict[str, str] = {}
    for name, item in raw.items():
        if not isinstance(item, dict):
            values[name] = item
            continue
        if "value" in item:
            values[name] = item["value"]
        role = item.get("role")
        if role:
            if role not in by_role:
                problems.append((f"fields.{name}.role", f"unknown role {role!r}"))
            else:
                assign[name] = by_role[role]
    return values, assign


def renumber(problems: Problems, placements: list[dict[str, Any]], offset: int = 0) -> Problems:
    """Point problems about ``fields[k]`` (k counted in the whole draft, the new ones from
    ``offset``) back at the client's own ``fields[i]``."""
    out: Problems = []
    for loc, msg in problems:
        if loc.startswith("fields[") and "]" in loc:
            k = int(loc[len("fields[") : loc.index("]")]) - offset
            if 0 <= k < len(placements):
                loc = f"fields[{placements[k]['index']}]{loc[loc.index(']') + 1 :]}"
        out.append((loc, msg))
    return out
