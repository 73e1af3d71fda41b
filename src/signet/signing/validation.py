"""Check a draft description completely and report every problem at once.

Problems are ``(location, message)`` pairs; locations use the client's own indices
(``fields[2].position``) so an API user can find the offending item.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections import defaultdict
from typing import Any

from email_validator import EmailNotValidError, validate_email

from signet.signing import rules
from signet.signing.specs import DraftSpec, FieldSpec, RecipientSpec, ReminderSpec
from signet.signing.values import image_ok

Problems = list[tuple[str, str]]
MAX_HOURS = 24 * 365 * 10

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_OPERATORS = {
    "is_filled",
    "is_empty",
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "greater_than",
    "less_than",
    "greater_than_or_equal",
    "less_than_or_equal",
}


def is_valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def normalise_type(raw: str) -> str | None:
    t = (raw or "").strip().lower()
    t = rules.FIELD_TYPE_ALIASES.get(t, t)
    return t if t in rules.FIELD_TYPES else None


def normalise_designation(raw: str | None) -> str | None:
    return rules.DESIGNATIONS.get((raw or "Signer").strip().lower())


def check_settings(
    settings: dict[str, Any], loc: str, problems: Problems, warnings: list[str]
) -> None:
    for key, value in settings.items():
        if key in rules.COMPLETION_KEYS:
            continue
        if key not in rules.SETTINGS_DEFAULTS:
            warnings.append(f"{loc}.{key}: unknown setting ignored")
            continue
        if key == "identity_editable_fields":
            if value is not None and (
                not isinstance(value, list) or not set(value) <= rules.IDENTITY_EDITABLE
            ):
                problems.append(
                    (
                        f"{loc}.{key}",
                        "must be a list of: " + ", ".join(sorted(rules.IDENTITY_EDITABLE)),
                    )
                )
        elif value is not None and not isinstance(value, bool):
            problems.append((f"{loc}.{key}", "must be a boolean"))
        if value in (None, False, []):
            continue
        if key in rules.REFUSED_SETTINGS:
            problems.append((f"{loc}.{key}", rules.REFUSED_SETTINGS[key]))
        elif key in rules.IGNORED_SETTINGS:
            warnings.append(f"{loc}.{key}: {rules.IGNORED_SETTINGS[key]}")


def check_completion(values: dict[str, Any], test: bool, problems: Problems) -> None:
    url = values.get("completion_redirect_url")
    if url is not None:
        local = re.match(r"^http://(localhost|127\.0\.0\.1)(:\d+)?(/|$)", str(url))
        if not isinstance(url, str) or not (url.startswith("https://") or (test and local)):
            problems.append(("completion_redirect_url", "must be an https URL"))
    delay = values.get("completion_redirect_delay")
    if delay is not None and (
        isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= 30
    ):
        problems.append(("completion_redirect_delay", "must be an integer from 0 to 30"))
    for key in ("completion_title", "completion_message"):
        v = values.get(key)
        if v is not None and (not isinstance(v, str) or len(v) > 5000):
            problems.append((key, "must be a string of at most 5000 characters"))


def check_metadata(metadata: dict[str, Any], problems: Problems) -> None:
    if len(metadata) > 50:
        problems.append(("metadata", "at most 50 keys"))
    for key, value in metadata.items():
        if len(key) > 40:
            problems.append((f"metadata.{key[:40]}", "keys are at most 40 characters"))
        if not isinstance(value, str) or len(value) > 500:
            problems.append((f"metadata.{key}", "values are strings of at most 500 characters"))


def check_recipients(
    recipients: list[RecipientSpec], problems: Problems, *, require_signer: bool
) -> dict[str, RecipientSpec]:
    """Check recipients; return them by every reference a field or reminder may use."""
    by_ref: dict[str, RecipientSpec] = {}
    if len(recipients) > rules.MAX_RECIPIENTS:
        problems.append(("recipients", f"at most {rules.MAX_RECIPIENTS} recipients"))
    seen_emails: dict[str, int] = {}
    for i, r in enumerate(recipients):
        loc = f"recipients[{i}]"
        designation = normalise_designation(r.designation)
        if designation is None:
            problems.append((f"{loc}.designation", "must be one of Signer, Approver, CC"))
        if r.email:
            if not is_valid_email(r.email):
                problems.append((f"{loc}.email", "Invalid email"))
            else:
                key = r.email.strip().lower()
                if key in seen_emails:
                    problems.append(
                        (f"{loc}.email", f"duplicate of recipients[{seen_emails[key]}].email")
                    )
                seen_emails.setdefault(key, i)
        if r.order is not None and r.order < 1:
            problems.append((f"{loc}.order", "must be 1 or greater"))
        for attr in ("first_name", "last_name"):
            if len(getattr(r, attr) or "") > 255:
                problems.append((f"{loc}.{attr}", "at most 255 characters"))
        if r.ref is not None:
            if not (r.ref.startswith("temp_") or is_uuid(r.ref)):
                problems.append((f"{loc}.id", "temporary ids must start with temp_"))
            elif r.ref in by_ref:
                problems.append((f"{loc}.id", f"duplicate id {r.ref}"))
            else:
                by_ref[r.ref] = r
    if require_signer and not any(
        normalise_designation(r.designation) == "Signer" for r in recipients
    ):
        problems.append(("recipients", "at least one Signer is required"))
    return by_ref


def _check_conditions(cond: Any, loc: str, refs: set[str], problems: Problems) -> set[str]:
    """Validate a condition block; return the field refs it depends on."""
    deps: set[str] = set()
    if not isinstance(cond, dict):
        problems.append((loc, "must be an object with logic and groups"))
        return deps
    if cond.get("logic", "and") not in ("and", "or"):
        problems.append((f"{loc}.logic", "must be and or or"))
    groups = cond.get("groups")
    if not isinstance(groups, list):
        problems.append((f"{loc}.groups", "must be a list"))
        return deps
    for gi, group in enumerate(groups):
        items = group.get("conditions") if isinstance(group, dict) else None
        if not isinstance(items, list):
            problems.append((f"{loc}.groups[{gi}].conditions", "must be a list"))
            continue
        for ci, c in enumerate(items):
            cloc = f"{loc}.groups[{gi}].conditions[{ci}]"
            if not isinstance(c, dict):
                problems.append((cloc, "must be an object"))
                continue
            if c.get("operator") not in _OPERATORS:
                problems.append((f"{cloc}.operator", "unknown operator"))
            fid = c.get("field_id")
            if not isinstance(fid, str) or fid not in refs:
                problems.append((f"{cloc}.field_id", "must reference a field of this request"))
            else:
                deps.add(fid)
    return deps


def _is_image_data_uri(value: str) -> bool:
    m = re.match(r"^data:image/(png|jpeg|jpg);base64,(.*)$", value, re.S)
    if not m:
        return False
    try:
        raw = base64.b64decode(m.group(2), validate=True)
    except ValueError:
        return False
    return len(raw) <= 2 * 1024 * 1024 and image_ok(raw, ("PNG", "JPEG"))


def check_field(
    f: FieldSpec,
    loc: str,
    page_count: int | None,
    recipient: RecipientSpec | None,
    recipient_known: bool,
    problems: Problems,
) -> str | None:
    """Check one field; return its normalised type (None if unknown)."""
    ftype = normalise_type(f.type)
    if ftype is None:
        problems.append(
            (
                f"{loc}.type",
                f"unknown field type {f.type!r}; expected one of "
                + ", ".join(sorted(rules.FIELD_TYPES)),
            )
        )
    if page_count is not None and not 1 <= f.page_number <= page_count:
        problems.append(
            (f"{loc}.page_number", f"must be between 1 and the page count ({page_count})")
        )
    elif f.page_number < 1:
        problems.append((f"{loc}.page_number", "must be 1 or greater"))
    w, h = f.width, f.height
    if f.x < 0 or f.y < 0:
        problems.append((f"{loc}.position", "x and y must be >= 0"))
    if w is not None and w <= 0 or h is not None and h <= 0:
        problems.append((f"{loc}.position", "width and height must be > 0"))
    if w is not None and f.x + w > 100:
        problems.append((f"{loc}.position", "x + width must be <= 100"))
    if h is not None and f.y + h > 100:
        problems.append((f"{loc}.position", "y + height must be <= 100"))
    read_only = f.read_only or ftype == "url"
    if f.recipient_ref is not None and not recipient_known:
        problems.append((f"{loc}.recipient_id", f"unknown recipient {f.recipient_ref}"))
    elif recipient is not None:
        designation = normalise_designation(recipient.designation)
        if designation == "CC":
            problems.append((f"{loc}.recipient_id", "a CC recipient cannot be assigned fields"))
        elif ftype in rules.APPROVER_ONLY_TYPES and designation != "Approver":
            problems.append((f"{loc}.type", f"{ftype} fields are for Approvers only"))
        elif designation == "Approver" and ftype not in rules.APPROVER_ONLY_TYPES and not read_only:
            problems.append((f"{loc}.type", "Approvers take only approval_* or read-only fields"))
    elif not read_only and ftype is not None:
        problems.append((f"{loc}.recipient_id", "required unless the field is read-only"))
    value = f.read_only_value
    if value is not None and len(value) > rules.MAX_TEXT_VALUE and ftype != "stamp":
        problems.append((f"{loc}.read_only_value", "at most 10000 characters"))
    rules_ = f.format_rules or {}
    if ftype in ("text", "text_area") and "fontSize" in rules_:
        size = rules_["fontSize"]
        if isinstance(size, bool) or not isinstance(size, int | float) or not 8 <= size <= 48:
            problems.append((f"{loc}.format_rules.fontSize", "must be between 8 and 48"))
    if ftype == "number" and value not in (None, ""):
        try:
            float(value)
        except ValueError:
            problems.append((f"{loc}.read_only_value", "must be a number"))
    if ftype == "date":
        fmt = rules_.get("dateFormat")
        if fmt is not None and fmt not in rules.DATE_FORMATS:
            problems.append(
                (
                    f"{loc}.format_rules.dateFormat",
                    "must be one of " + ", ".join(sorted(rules.DATE_FORMATS)),
                )
            )
        if f.date_default:
            from signet.kit.timefmt import parse_time

            try:
                parse_time(f.date_default)
            except ValueError:
                problems.append((f"{loc}.date_default", "must be an ISO 8601 date"))
    if ftype == "dropdown":
        opts = f.dropdown_options
        if not opts:
            problems.append((f"{loc}.dropdown_options", "1 to 100 options are required"))
        elif (
            len(opts) > 100
            or len(set(opts)) != len(opts)
            or any(not isinstance(o, str) or not o or len(o) > 255 for o in opts)
        ):
            problems.append(
                (f"{loc}.dropdown_options", "1 to 100 unique options of at most 255 characters")
            )
    if ftype == "url" and (not value or not re.match(r"^https?://\S+$", value)):
        problems.append((f"{loc}.read_only_value", "a url field needs an http(s) URL"))
    if ftype == "file":
        accepted = rules_.get("acceptedFileTypes", "image_and_pdf")
        if accepted not in ("image_and_pdf", "image", "pdf"):
            problems.append(
                (f"{loc}.format_rules.acceptedFileTypes", "must be image_and_pdf, image or pdf")
            )
    if ftype == "stamp" and (not value or not _is_image_data_uri(value)):
        problems.append(
            (
                f"{loc}.read_only_value",
                "a stamp needs a PNG or JPEG data URI of at most 2 MB and 4096 pixels a side",
            )
        )
    if ftype == "radio_buttons" and not f.multi_group_id:
        problems.append((f"{loc}.multi_group_id", "radio buttons need a multi_group_id"))
    if f.background_color is not None and not _COLOR.match(f.background_color):
        problems.append((f"{loc}.background_color", "must be #rrggbb"))
    if f.prefilled_data is not None:
        custom = recipient.custom_fields if recipient else {}
        if f.prefilled_data not in rules.PREFILL_KEYS and f.prefilled_data not in custom:
            problems.append(
                (f"{loc}.prefilled_data", "must name a recipient property or custom field")
            )
    return ftype


def check_fields(
    fields: list[FieldSpec],
    page_count: int | None,
    resolve: Any,
    problems: Problems,
) -> None:
    """``resolve(ref)`` returns (known, RecipientSpec|None) for a field's recipient reference."""
    if len(fields) > rules.MAX_FIELDS:
        problems.append(("fields", f"at most {rules.MAX_FIELDS} fields"))
    refs = {f.ref for f in fields if f.ref}
    groups: dict[str, list[tuple[int, str | None, str | None]]] = defaultdict(list)
    deps: dict[str, set[str]] = {}
    for i, f in enumerate(fields):
        loc = f"fields[{i}]"
        known, recipient = resolve(f.recipient_ref) if f.recipient_ref is not None else (True, None)
        ftype = check_field(f, loc, page_count, recipient, known, problems)
        if f.multi_group_id and ftype in ("checkbox", "radio_buttons"):
            groups[f.multi_group_id].append((i, ftype, f.recipient_ref))
        for attr in ("required_conditions", "visibility_conditions"):
            cond = getattr(f, attr)
            if cond is not None:
                d = _check_conditions(cond, f"{loc}.{attr}", refs, problems)
                if f.ref:
                    deps.setdefault(f.ref, set()).update(d)
    for gid, members in groups.items():
        if len({m[2] for m in members}) > 1:
            problems.append(
                (
                    f"fields[{members[0][0]}].multi_group_id",
                    f"group {gid} must belong to one recipient",
                )
            )
        if len({m[1] for m in members}) > 1:
            problems.append(
                (f"fields[{members[0][0]}].multi_group_id", f"group {gid} mixes field types")
            )
        if members[0][1] == "radio_buttons" and len(members) < 2:
            problems.append(
                (
                    f"fields[{members[0][0]}].multi_group_id",
                    f"radio group {gid} needs at least 2 buttons",
                )
            )
    if _has_cycle(deps):
        problems.append(("fields", "field conditions form a cycle"))


def _has_cycle(graph: dict[str, set[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(node: str) -> bool:
        state[node] = 1
        for nxt in graph.get(node, ()):
            s = state.get(nxt, 0)
            if s == 1 or (s == 0 and visit(nxt)):
                return True
        state[node] = 2
        return False

    return any(state.get(n, 0) == 0 and visit(n) for n in list(graph))


def check_reminders(reminders: list[ReminderSpec], resolve: Any, problems: Problems) -> None:
    if len(reminders) > rules.MAX_REMINDERS:
        problems.append(("reminders", f"at most {rules.MAX_REMINDERS} reminders"))
    for i, r in enumerate(reminders):
        loc = f"reminders[{i}]"
        if r.hours < 1:
            problems.append((f"{loc}.hours", "must be 1 or greater"))
        elif r.hours > MAX_HOURS:
            problems.append((f"{loc}.hours", f"must be at most {MAX_HOURS} (10 years)"))
        if r.recipient_ref is None:
            if not r.all_users:
                problems.append((f"{loc}.recipient_id", "required unless all_users is true"))
        else:
            known, recipient = resolve(r.recipient_ref)
            if not known:
                problems.append((f"{loc}.recipient_id", f"unknown recipient {r.recipient_ref}"))
            elif recipient is not None and normalise_designation(recipient.designation) == "CC":
                problems.append((f"{loc}.recipient_id", "CC recipients get no reminders"))
        if r.subject is not None and len(r.subject) > 255:
            problems.append((f"{loc}.subject", "at most 255 characters"))
        if r.message is not None and len(r.message) > 5000:
            problems.append((f"{loc}.message", "at most 5000 characters"))


def assign_to_lone_signer(spec: DraftSpec) -> None:
    """Give each field that names no recipient to the only Signer, when there is exactly one
    (upstream does; the first example of its documentation relies on it). With several Signers
    the field stays unassigned and ``check_field`` names it. Read-only and approval fields are
    left as they are: the first need no recipient, the second are for Approvers."""
    signers = [r for r in spec.recipients if normalise_designation(r.designation) == "Signer"]
    if len(signers) != 1:
        return
    unassigned = [
        f
        for f in spec.fields
        if f.recipient_ref is None
        and not f.read_only
        and normalise_type(f.type) not in (None, "url", *rules.APPROVER_ONLY_TYPES)
    ]
    if not unassigned:
        return
    signer = signers[0]
    if signer.ref is None:
        signer.ref = f"temp_{uuid.uuid4().hex}"
    for f in unassigned:
        f.recipient_ref = signer.ref


def check_draft(
    spec: DraftSpec, page_count: int | None, *, test: bool = False, require_signer: bool = True
) -> tuple[Problems, list[str]]:
    """Every problem of a new draft, and warnings that do not block it. Fields without a
    recipient are first given to a lone Signer (``assign_to_lone_signer``), in ``spec`` itself:
    the caller stores the spec it checked."""
    assign_to_lone_signer(spec)
    problems: Problems = []
    warnings: list[str] = []
    if not spec.name or not spec.name.strip():
        problems.append(("name", "is required"))
    elif len(spec.name) > 255:
        problems.append(("name", "at most 255 characters"))
    if spec.expiration_hours < 1:
        problems.append(("expiration_hours", "must be 1 or greater"))
    elif spec.expiration_hours > MAX_HOURS:
        problems.append(("expiration_hours", f"must be at most {MAX_HOURS} (10 years)"))
    if spec.language not in rules.LANGUAGES:
        problems.append(("language", "must be one of " + ", ".join(sorted(rules.LANGUAGES))))
    check_settings(spec.settings, "settings", problems, warnings)
    check_completion(spec.settings, test, problems)
    check_metadata(spec.metadata, problems)
    by_ref = check_recipients(spec.recipients, problems, require_signer=require_signer)

    def resolve(ref: str) -> tuple[bool, RecipientSpec | None]:
        r = by_ref.get(ref)
        return (r is not None, r)

    check_fields(spec.fields, page_count, resolve, problems)
    check_reminders(spec.reminders, resolve, problems)
    for i, r in enumerate(spec.recipients):
        if normalise_designation(r.designation) != "CC" and not any(
            f.recipient_ref is not None and f.recipient_ref == r.ref for f in spec.fields
        ):
            warnings.append(f"recipients[{i}]: has no fields and will finish by confirming")
    return problems, warnings


def compact_orders(
    recipients: list[RecipientSpec], use_signing_order: bool, *, steps_as_given: bool = False
) -> list[int]:
    """Signing orders as stored (docs/compat/firma.md#signing-order): Signers and Approvers
    share 1..n, CCs their own 1..m, ties and gaps resolved by the given order, then by position.

    With ``steps_as_given`` (PandaDoc's ``signing_order``, docs/compat/pandadoc.md#signing-order)
    a Signer's or Approver's given order is kept as it is, so equal orders form one parallel
    step (``service.active_step``); only the ones given none are numbered. CCs are numbered
    either way.
    """
    out = [0] * len(recipients)
    for is_cc in (False, True):
        idx = [
            i
            for i, r in enumerate(recipients)
            if (normalise_designation(r.designation) == "CC") == is_cc
        ]
        if use_signing_order and all(recipients[i].order is not None for i in idx):
            idx.sort(key=lambda i: (recipients[i].order, i))
        for n, i in enumerate(idx, start=1):
            given = recipients[i].order
            out[i] = given if steps_as_given and not is_cc and given is not None else n
    return out
