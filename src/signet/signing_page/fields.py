"""What the page shows of each field: the recipient's own fields as form controls, read-only
values as text, and every other recipient's fields as empty disabled boxes (never their values).

Conditions are sent to the page for live hiding, but a condition on a field this recipient does
not fill is evaluated here and sent only as its outcome, so no other value reaches the browser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from signet.models import Field, Recipient, SigningRequest
from signet.pdf.stamp import format_date
from signet.signing import conditions
from signet.signing.recipient_actions import my_fields
from signet.signing.service import field_prefill
from signet.signing_page.uploads import accept_attribute

TYPE_LABELS = {
    "signature": "Signature",
    "initial": "Initials",
    "text": "Text",
    "text_area": "Text",
    "number": "Number",
    "date": "Date",
    "checkbox": "Checkbox",
    "radio_buttons": "Option",
    "dropdown": "Choose an option",
    "url": "Link",
    "file": "Attach a file",
    "stamp": "Stamp",
    "approval_signature": "Approval signature",
    "approval_checkmark": "Approve",
    "approval_date": "Approval date",
}
DATE_TYPES = ("date", "approval_date")
MARK_TYPES = ("signature", "initial", "approval_signature")


@dataclass
class FieldView:
    id: str
    type: str
    page: int
    x: float
    y: float
    width: float
    height: float
    editable: bool  # this recipient fills it now
    own: bool  # assigned to this recipient (perhaps not their turn yet)
    read_only: bool
    label: str
    required: bool
    value: str | None = None  # shown value: read-only text, stamp image, link address
    display: str | None = None  # a date in the field's format
    link_text: str | None = None
    options: list[str] = field(default_factory=list)
    group: str | None = None
    accept: str | None = None
    date_format: str = "MM/dd/yyyy"
    auto_date: bool = False
    font_size: float | None = None
    visible_if: str | None = None  # JSON condition block, sanitised
    required_if: str | None = None

    @property
    def dom_id(self) -> str:
        return f"f-{self.id}"

    @property
    def filled_by_other(self) -> bool:
        return not self.editable and not self.read_only


def _sanitise(
    block: dict[str, Any] | None, mine: set[str], values: dict[str, str | None]
) -> str | None:
    """The block with every condition on a field outside ``mine`` replaced by its outcome."""
    if not block:
        return None
    groups = []
    for group in block.get("groups") or []:
        conds = []
        for cond in group.get("conditions") or []:
            if cond.get("field_id") in mine:
                conds.append({k: cond.get(k) for k in ("field_id", "operator", "value")})
            else:
                outcome = conditions.evaluate({"groups": [{"conditions": [cond]}]}, values)
                conds.append({"operator": "fixed", "value": outcome})
        groups.append({"conditions": conds})
    return json.dumps(
        {"logic": block.get("logic") or "and", "groups": groups}, separators=(",", ":")
    )


def _shown_value(request: SigningRequest, f: Field, me: Recipient) -> str | None:
    """A read-only field's value, unless it is another recipient's personal data."""
    if f.read_only_value not in (None, ""):
        return f.read_only_value
    if f.prefilled_data and f.recipient_id not in (None, me.id):
        return None
    return field_prefill(request, f)


def _safe_url(value: str | None) -> str | None:
    if value and value.strip().lower().startswith(("https://", "http://")):
        return value.strip()
    return None


def _font_size(f: Field) -> float | None:
    size = (f.format_rules or {}).get("fontSize")
    return float(size) if isinstance(size, int | float) and 4 <= size <= 72 else None


def build_field_views(
    request: SigningRequest, me: Recipient, *, signable: bool, today: str
) -> list[FieldView]:
    """Every field of the request as this recipient may see it, in reading order."""
    mine = {f.id for f in my_fields(request, me)} if signable else set()
    values = {f.id: f.value for f in request.fields}
    views: list[FieldView] = []
    radio_counts: dict[str, int] = {}
    ordered = sorted(request.fields, key=lambda f: (f.page_number, round(f.y, 1), f.x, f.position))
    for f in ordered:
        editable = f.id in mine
        label = (f.name or "").strip() or TYPE_LABELS.get(f.type, f.type)
        if f.type == "radio_buttons" and not (f.name or "").strip():
            n = radio_counts[f.multi_group_id or ""] = (
                radio_counts.get(f.multi_group_id or "", 0) + 1
            )
            label = f"Option {n}"
        fmt = (f.format_rules or {}).get("dateFormat") or "MM/dd/yyyy"
        view = FieldView(
            id=f.id,
            type=f.type,
            page=f.page_number,
            x=f.x,
            y=f.y,
            width=f.width,
            height=f.height,
            editable=editable,
            own=f.recipient_id == me.id,
            read_only=f.read_only,
            label=label,
            required=bool(f.required) and editable,
            options=list(f.dropdown_options or []),
            group=f.multi_group_id,
            date_format=str(fmt),
            font_size=_font_size(f),
        )
        if f.read_only:
            value = _shown_value(request, f, me)
            if f.type == "url":
                view.value = _safe_url(value)
                view.link_text = (f.format_rules or {}).get("urlDisplayText") or view.value
            elif f.type == "stamp":
                ok = (value or "").startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
                view.value = value if ok else None
            else:
                view.value = value
                if f.type in DATE_TYPES and value:
                    view.display = format_date(value, view.date_format)
        if editable or f.read_only:
            view.visible_if = _sanitise(f.visibility_conditions, mine, values)
            view.required_if = _sanitise(f.required_conditions, mine, values)
        if editable:
            if f.type == "file":
                view.accept = accept_attribute(f.format_rules)
            if f.type in DATE_TYPES:
                if f.date_signing_default and not f.value:
                    view.auto_date = True
                    view.value = today
                    view.display = format_date(today, view.date_format)
                elif f.date_default:
                    view.value = f.date_default[:10]
        views.append(view)
    return views
