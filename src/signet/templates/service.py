"""The rules of templates: create, edit (checked whole), replace the document, delete, copy,
and what each role still lacks before a request made from it can be sent. Services flush; the
caller commits.

A template is described with the signing domain's ``DraftSpec`` (its users are recipients with
a role label; its reminders count hours after sending) and checked with the same rules, so a
field that is valid on a request is valid on a template and the other way round.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from signet.errors import ValidationFailed
from signet.models import (
    Blob,
    SigningRequest,
    Template,
    TemplateField,
    TemplateReminder,
    TemplateUser,
)
from signet.models.base import utcnow
from signet.signing import identity, notify, rules
from signet.signing.rows import field_from_spec, resolve_condition_refs
from signet.signing.specs import (
    CONTACT_ATTRS,
    FIELD_ATTRS,
    Actor,
    DraftSpec,
    FieldSpec,
    RecipientSpec,
    ReminderSpec,
)
from signet.signing.validation import check_draft, compact_orders, normalise_designation
from signet.templates import repository
from signet.templates.events import template_event

# TemplateSettings = the request settings minus the identity flags
# (docs/settings.md#template-settings).
IDENTITY_SETTINGS = {
    "identity_editable_fields",
    "notify_identity_change_email",
    "notify_identity_change_webhook",
}
TEMPLATE_SETTINGS = set(rules.SETTINGS_DEFAULTS) - IDENTITY_SETTINGS
PAGE_SIZE_TOLERANCE = 1.0  # points


def template_settings(given: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """The settings a template keeps: TemplateSettings and completion_* keys, as given."""
    kept = {}
    for key, value in given.items():
        if key in IDENTITY_SETTINGS:
            warnings.append(f"settings.{key}: not a template setting; set it on the request")
        elif key in TEMPLATE_SETTINGS or key in rules.COMPLETION_KEYS:
            kept[key] = value
    return kept


def check_template(
    spec: DraftSpec, page_count: int | None, *, test: bool = False
) -> tuple[list[tuple[str, str]], list[str]]:
    """Every problem of a template description; its recipients are called users here."""
    problems, warnings = check_draft(spec, page_count, test=test, require_signer=False)
    for i, r in enumerate(spec.recipients):
        if r.role is not None and len(r.role) > 255:
            problems.append((f"recipients[{i}].role", "at most 255 characters"))
    labels = [(u.role or "") for u in spec.recipients if u.role]
    for label in {x for x in labels if labels.count(x) > 1}:
        problems.append(("recipients", f"two users have the role {label!r}; roles are unique"))
    rename = lambda text: text.replace("recipients", "users")  # noqa: E731
    return ([(rename(loc), msg) for loc, msg in problems], [rename(w) for w in warnings])


def _user_row(
    rs: RecipientSpec, position: int, order: int, row: TemplateUser | None = None
) -> TemplateUser:
    row = row or TemplateUser()
    row.position = position
    row.order = order
    row.role = (rs.role or "").strip() or None
    row.designation = normalise_designation(rs.designation) or "Signer"
    for attr in CONTACT_ATTRS:
        value = getattr(rs, attr)
        setattr(row, attr, value.strip() if isinstance(value, str) else value)
    for attr in ("first_name", "last_name", "email"):
        setattr(row, attr, getattr(row, attr) or "")
    row.custom_fields = dict(rs.custom_fields or {})
    return row


def _field_row(
    fs: FieldSpec, position: int, user_id: str | None, row: TemplateField | None = None
) -> TemplateField:
    # The request's rules for defaults (sizes, url forced read-only) apply to templates too.
    shaped = field_from_spec(fs, position, None)
    row = row or TemplateField()
    for attr in FIELD_ATTRS:
        setattr(row, attr, getattr(shaped, attr))
    row.position = position
    row.template_user_id = user_id
    return row


def create_template(
    session: Session,
    env: notify.Env,
    *,
    workspace_id: str,
    actor: Actor,
    spec: DraftSpec,
    blob: Blob | None,
    tags: list[str] | None = None,
    tokens: list[str] | None = None,
    test: bool = False,
) -> tuple[Template, list[str]]:
    """Create a template after checking everything; returns it and its warnings."""
    warnings: list[str] = []
    spec.settings = template_settings(spec.settings, warnings)
    problems, more = check_template(spec, blob.page_count if blob else None, test=test)
    problems += identity.settings_problems(env, spec.settings)
    if problems:
        raise ValidationFailed(problems)
    now = utcnow()
    template = Template(
        workspace_id=workspace_id,
        name=spec.name.strip(),
        description=spec.description,
        document_sha256=blob.sha256 if blob else None,
        page_count=blob.page_count if blob else None,
        expiration_hours=spec.expiration_hours,
        language=spec.language,
        settings=dict(spec.settings),
        metadata_=dict(spec.metadata),
        tags=list(tags or []),
        tokens=list(tokens or []),
        version=1,
        created_by_key_id=actor.id if actor.type == "api_key" else None,
        created_at=now,
        updated_at=now,
    )
    session.add(template)
    _write_content(session, template, spec)
    template_event(session, env, template, "template.created")
    return template, warnings + more


def _write_content(session: Session, template: Template, spec: DraftSpec) -> dict[str, str]:
    """Make the template's users, fields and reminders those of ``spec`` (matched by ref)."""
    use_order = rules.setting(spec.settings, "use_signing_order")
    orders = compact_orders(spec.recipients, use_order)
    existing_u = {u.id: u for u in template.users}
    users = [
        _user_row(rs, i, orders[i], existing_u.get(rs.ref or ""))
        for i, rs in enumerate(spec.recipients)
    ]
    template.users[:] = users
    session.flush()
    ref_to_id = {rs.ref: u.id for rs, u in zip(spec.recipients, users, strict=True) if rs.ref}
    existing_f = {f.id: f for f in template.fields}
    fields = [
        _field_row(
            fs,
            i,
            ref_to_id.get(fs.recipient_ref, fs.recipient_ref) if fs.recipient_ref else None,
            existing_f.get(fs.ref or ""),
        )
        for i, fs in enumerate(spec.fields)
    ]
    template.fields[:] = fields
    session.flush()
    resolve_condition_refs(template.fields, spec.fields)
    existing_m = {m.id: m for m in template.reminders}
    now = utcnow()
    reminders = []
    for ms in spec.reminders:
        row = existing_m.get(ms.ref or "") or TemplateReminder(created_at=now)
        row.hours = ms.hours
        row.all_users = ms.all_users
        row.template_user_id = (
            ref_to_id.get(ms.recipient_ref, ms.recipient_ref) if ms.recipient_ref else None
        )
        row.subject = ms.subject
        row.message = ms.message
        row.updated_at = now
        reminders.append(row)
    template.reminders[:] = reminders
    session.flush()
    return {k: v for k, v in ref_to_id.items() if k.startswith("temp_")}


def spec_from_template(template: Template) -> DraftSpec:
    """The template described as a spec (refs are the rows' ids), for a face to change."""
    return DraftSpec(
        name=template.name,
        description=template.description,
        expiration_hours=template.expiration_hours,
        settings=dict(template.settings or {}),
        language=template.language,
        metadata=dict(template.metadata_ or {}),
        recipients=[
            RecipientSpec(
                ref=u.id,
                role=u.role,
                designation=u.designation,
                order=u.order,
                custom_fields=dict(u.custom_fields or {}),
                **{a: getattr(u, a) for a in CONTACT_ATTRS},
            )
            for u in template.users
        ],
        fields=[
            FieldSpec(
                ref=f.id,
                recipient_ref=f.template_user_id,
                **{a: getattr(f, a) for a in FIELD_ATTRS},
            )
            for f in template.fields
        ],
        reminders=[
            ReminderSpec(
                ref=m.id,
                hours=m.hours,
                all_users=m.all_users,
                recipient_ref=m.template_user_id,
                subject=m.subject,
                message=m.message,
            )
            for m in template.reminders
        ],
    )


def update_template(
    session: Session,
    env: notify.Env,
    template: Template,
    actor: Actor,
    spec: DraftSpec,
    *,
    changed: list[str],
    test: bool = False,
    field_added: bool = False,
) -> tuple[dict[str, str], list[str]]:
    """Replace the template's content with ``spec`` (checked whole, all or nothing).

    Emits ``template.updated`` (and ``template.field.added`` when a field was added). Returns
    temp ref → new UUID, and warnings."""
    warnings: list[str] = []
    spec.settings = template_settings(spec.settings, warnings)
    problems, more = check_template(spec, template.page_count, test=test)
    problems += identity.settings_problems(env, spec.settings)
    if problems:
        raise ValidationFailed(problems)
    template.name = spec.name.strip()
    template.description = spec.description
    template.expiration_hours = spec.expiration_hours
    template.settings = dict(spec.settings)
    template.language = spec.language
    template.metadata_ = dict(spec.metadata)
    created = _write_content(session, template, spec)
    touch(template)
    template_event(session, env, template, "template.updated", changed=changed)
    if field_added:
        template_event(session, env, template, "template.field.added", changed=changed)
    return created, warnings + more


def touch(template: Template) -> None:
    template.updated_at = utcnow()
    template.version += 1


def page_size_problems(old: Blob, new: Blob) -> list[tuple[str, str]]:
    """Why ``new`` cannot replace ``old`` under the template's fields
    (docs/compat/firma.md#templates)."""
    if new.page_count != old.page_count:
        return [
            (
                "document",
                f"the new document has {new.page_count} pages; the template's "
                f"has {old.page_count}. Upload a document with the same pages",
            )
        ]
    problems = []
    for i, (a, b) in enumerate(zip(old.page_sizes or [], new.page_sizes or [], strict=False)):
        if abs(a[0] - b[0]) > PAGE_SIZE_TOLERANCE or abs(a[1] - b[1]) > PAGE_SIZE_TOLERANCE:
            problems.append(
                (
                    f"document.pages[{i + 1}]",
                    f"is {b[0]:g} x {b[1]:g} pt; the template's page is "
                    f"{a[0]:g} x {a[1]:g} pt (1 pt tolerance)",
                )
            )
    return problems


def replace_document(
    session: Session,
    env: notify.Env,
    template: Template,
    actor: Actor,
    blob: Blob,
    tokens: list[str],
) -> None:
    """Swap the PDF under the template's fields; the pages must match (±1 pt)."""
    old = repository.template_blob(session, template)
    if old is not None:
        problems = page_size_problems(old, blob)
        if problems:
            raise ValidationFailed(problems)
    template.document_sha256 = blob.sha256
    template.page_count = blob.page_count
    template.tokens = list(tokens)
    touch(template)
    template_event(session, env, template, "template.updated", changed=["document"])


def delete_template(
    session: Session, env: notify.Env, template: Template, actor: Actor
) -> datetime:
    """Soft delete: the template disappears from lists; requests made from it are untouched."""
    now = utcnow()
    template.deleted_at = now
    template.updated_at = now
    template_event(session, env, template, "template.deleted")
    return now


def draft_from_template(
    session: Session,
    env: notify.Env,
    *,
    workspace_id: str,
    template_id: str,
    recipients: list[RecipientSpec],
    tokens: dict[str, str] | None = None,
    field_values: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    name: str | None = None,
    tags: list[str] | None = None,
    actor: Actor,
    test: bool = False,
    keep_tokens: bool = False,
    process_later: bool = False,
) -> tuple[SigningRequest, list[str]]:
    """A draft signing request from a template, PandaDoc style (``POST /documents`` with
    ``template_uuid``); returns it and its warnings.

    - ``recipients``: each with ``role`` = a template role label (case-sensitive, e.g.
      "Client", or "Signer 1" for a Firma-made template); ``role=None`` adds a CC. Only the
      person attributes given (non-empty) replace the role's defaults.
    - ``tokens``: name → value; fills read-only fields whose ``variable_name`` is the name,
      and ``[Name]`` placeholders in the document's text.
    - ``field_values``: field name (or merge field) → ``{"value": …, "role": …}`` or a bare
      value; read-only fields get it as their value, others as a prefill.
    - ``keep_tokens``, ``process_later``: as ``TemplateUse`` says (the API's create sets both).
    Raises NotFound (template not in this workspace) or ValidationFailed listing every
    problem (unknown roles, unknown fields), with ``recipients[i].role`` / ``fields.<name>``
    locations.
    """
    from signet.templates.using import FieldOverride, PersonOverride, TemplateUse, use_template

    people = []
    for i, r in enumerate(recipients):
        given = {a for a in CONTACT_ATTRS if getattr(r, a)}
        if r.custom_fields:
            given.add("custom_fields")
        people.append(
            PersonOverride(
                loc=f"recipients[{i}]", person=r, given=given, role=r.role, cc=r.role is None
            )
        )
    overrides = []
    for field_name, raw in (field_values or {}).items():
        value = raw.get("value") if isinstance(raw, dict) else raw
        role = raw.get("role") if isinstance(raw, dict) else None
        if isinstance(value, bool):
            value = "true" if value else "false"
        overrides.append(
            FieldOverride(
                loc=f"fields.{field_name}",
                name=field_name,
                role=role,
                has_value=True,
                value=None if value is None else str(value),
            )
        )
    use = TemplateUse(
        name=name,
        metadata=dict(metadata or {}),
        tags=tags,
        recipients=people,
        fields=overrides,
        tokens=dict(tokens or {}),
        positional=False,
        keep_tokens=keep_tokens,
        process_later=process_later,
    )
    return use_template(
        session,
        env,
        workspace_id=workspace_id,
        template_id=template_id,
        use=use,
        actor=actor,
        test=test,
    )
