"""Make a signing request from a template with the people and values of the day.

The request copies what it needs (the document, users as recipients, fields, settings,
reminders) at creation, so later changes to the template never reach it. ``plan`` is the pure
merge of a template with the overrides; ``use_template`` hands it to the one create pipeline
(``signing.creation``), which checks and stores it, and announces it.

Matching (docs/compat/firma.md#creating-from-a-template):
- a recipient names its template user by ``template_user_id``, else ``role`` (PandaDoc, case
  sensitive), else ``order``, else takes the next unclaimed Signer/Approver (Firma);
- an explicit CC is never matched: it is added, and the template's CCs are copied unless one
  of them has the same email (case-insensitive);
- a field override names fields by ``template_field_id``, ``variable_name``,
  ``variable_defined_name`` or ``name`` (PandaDoc); an override that matches nothing is an
  error, listed with every other problem.
Read-only values, by precedence: the override's value; a token of the same name; a preset of
the workspace's custom field named by ``variable_defined_name``; then, at read time, the
recipient data (``prefilled_data``, or a ``variable_name`` that names recipient data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from signet.errors import ValidationFailed
from signet.kit.ids import parse_uuid
from signet.models import SigningRequest, Template, TemplateUser
from signet.signing import notify, rules
from signet.signing.creation import (
    DocumentSource,
    FromTemplate,
    NewRequest,
    Prefill,
    ProcessLater,
    create_request,
)
from signet.signing.specs import (
    CONTACT_ATTRS,
    FIELD_ATTRS,
    PERSON_ATTRS,
    Actor,
    DraftSpec,
    FieldSpec,
    RecipientSpec,
    ReminderSpec,
)
from signet.templates import repository
from signet.templates.events import template_event
from signet.templates.tokens import fill_tokens

Problems = list[tuple[str, str]]


@dataclass
class PersonOverride:
    """The person for one template role; only the attributes in ``given`` replace defaults."""

    loc: str
    person: RecipientSpec
    given: set[str] = field(default_factory=set)
    template_user_id: str | None = None
    role: str | None = None
    order: int | None = None
    cc: bool = False  # an explicit CC: never matched, added as a copy recipient


@dataclass
class FieldOverride:
    """Changes to the template fields it names; ``value`` prefills them."""

    loc: str
    template_field_id: str | None = None
    variable_name: str | None = None
    variable_defined_name: str | None = None
    name: str | None = None
    role: str | None = None  # restricts ``name`` matching to one role's fields
    changes: dict[str, Any] = field(default_factory=dict)
    value: str | None = None
    has_value: bool = False


@dataclass
class TemplateUse:
    name: str | None = None
    description: str | None = None
    has_description: bool = False
    expiration_hours: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None
    recipients: list[PersonOverride] = field(default_factory=list)
    fields: list[FieldOverride] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    positional: bool = True  # Firma: a recipient naming no user or order takes the next role
    # PandaDoc: the tokens are kept on the request too (for fields added later), and the
    # request is created ``uploaded`` and finished by the processing job.
    keep_tokens: bool = False
    process_later: bool = False


@dataclass
class Plan:
    spec: DraftSpec
    warnings: list[str]
    field_values: dict[int, str]  # spec field index → the initial value of an editable field
    reminder_users: list[str | None]  # template user of each spec reminder


def _acting(template: Template) -> list[TemplateUser]:
    return sorted(
        (u for u in template.users if u.designation != "CC"), key=lambda u: (u.order, u.position)
    )


def _match_people(
    template: Template, use: TemplateUse, problems: Problems
) -> tuple[dict[str, PersonOverride], list[PersonOverride]]:
    by_id = {u.id: u for u in template.users}
    acting = _acting(template)
    claimed: dict[str, PersonOverride] = {}
    extra_cc: list[PersonOverride] = []
    for o in use.recipients:
        if o.cc:
            extra_cc.append(o)
            continue
        user: TemplateUser | None = None
        if o.template_user_id:
            user = by_id.get(parse_uuid(o.template_user_id) or "")
            if user is None:
                problems.append((f"{o.loc}.template_user_id", "matches no user of the template"))
        elif o.role is not None:
            user = next((u for u in template.users if u.role_label == o.role), None)
            if user is None:
                roles = ", ".join(repr(u.role_label) for u in template.users) or "none"
                problems.append(
                    (f"{o.loc}.role", f"the template has no role {o.role!r} (its roles: {roles})")
                )
        elif o.order is not None:
            user = next((u for u in acting if u.order == o.order), None)
            if user is None:
                problems.append(
                    (f"{o.loc}.order", f"no Signer or Approver of the template has order {o.order}")
                )
        elif use.positional:
            user = next((u for u in acting if u.id not in claimed), None)
            if user is None:
                problems.append(
                    (
                        o.loc,
                        "more recipients than the template has Signers and "
                        "Approvers; give template_user_id or order",
                    )
                )
        if user is not None:
            if user.id in claimed:
                problems.append((o.loc, f"names the same template user as {claimed[user.id].loc}"))
            else:
                claimed[user.id] = o
    return claimed, extra_cc


def _recipients(
    template: Template,
    claimed: dict[str, PersonOverride],
    extra_cc: list[PersonOverride],
    warnings: list[str],
) -> list[RecipientSpec]:
    cc_emails = {o.person.email.strip().lower() for o in extra_cc if o.person.email}
    out: list[RecipientSpec] = []
    for u in template.users:
        if u.designation == "CC" and u.id not in claimed and u.email.lower() in cc_emails:
            warnings.append(f"template CC {u.email} is already a CC of this request; kept once")
            continue
        spec = RecipientSpec(
            ref=u.id,
            role=u.role_label if u.designation != "CC" else u.role,
            designation=u.designation,
            order=u.order,
            custom_fields=dict(u.custom_fields or {}),
            **{a: getattr(u, a) for a in CONTACT_ATTRS},
        )
        chosen = claimed.get(u.id)
        if chosen is not None:
            for attr in chosen.given & set(PERSON_ATTRS):
                value = getattr(chosen.person, attr)
                setattr(spec, attr, dict(value or {}) if attr == "custom_fields" else value)
        out.append(spec)
    for k, o in enumerate(extra_cc):
        p = o.person
        out.append(
            RecipientSpec(
                ref=f"temp_cc_{k}",
                designation="CC",
                order=p.order,
                custom_fields=dict(p.custom_fields or {}),
                **{a: getattr(p, a) for a in CONTACT_ATTRS},
            )
        )
    return out


def _matches(template: Template, o: FieldOverride) -> list[int]:
    fields = template.fields
    if o.template_field_id:
        wanted = parse_uuid(o.template_field_id)
        return [i for i, f in enumerate(fields) if f.id == wanted]
    if o.variable_name:
        return [i for i, f in enumerate(fields) if f.variable_name == o.variable_name]
    if o.variable_defined_name:
        return [
            i for i, f in enumerate(fields) if f.variable_defined_name == o.variable_defined_name
        ]
    if o.name:
        roles = {u.id: u.role_label for u in template.users}
        return [
            i
            for i, f in enumerate(fields)
            if o.name in (f.name, f.variable_name)
            and (o.role is None or roles.get(f.template_user_id or "") == o.role)
        ]
    return []


def _fields(
    template: Template, use: TemplateUse, presets: dict[str, str], problems: Problems
) -> tuple[list[FieldSpec], dict[int, str]]:
    specs = []
    for f in template.fields:
        fs = FieldSpec(
            ref=f.id, recipient_ref=f.template_user_id, **{a: getattr(f, a) for a in FIELD_ATTRS}
        )
        if fs.read_only and not fs.prefilled_data and fs.variable_name in rules.PREFILL_KEYS:
            fs.prefilled_data = fs.variable_name  # Firma: such a variable names recipient data
        if fs.read_only and fs.variable_name in use.tokens and not fs.read_only_value:
            fs.read_only_value = use.tokens[fs.variable_name]
        specs.append(fs)
    values: dict[int, str] = {}
    for o in use.fields:
        hits = _matches(template, o)
        if not hits:
            what = o.template_field_id or o.variable_name or o.variable_defined_name or o.name
            problems.append(
                (
                    o.loc,
                    f"matches no field of the template ({what!r})"
                    if what
                    else "name the template field: template_field_id, "
                    "variable_name or variable_defined_name",
                )
            )
        for i in hits:
            for attr, value in o.changes.items():
                setattr(specs[i], attr, value)
            if o.has_value:
                if specs[i].read_only:
                    specs[i].read_only_value = o.value
                elif o.value is not None:
                    values[i] = o.value
    for fs in specs:
        name = fs.variable_defined_name
        if fs.read_only and not fs.read_only_value and not fs.prefilled_data and name in presets:
            fs.read_only_value = presets[name]
    return specs, values


def plan(template: Template, use: TemplateUse, presets: dict[str, str] | None = None) -> Plan:
    """The request ``use`` makes of ``template``; raises ValidationFailed listing every
    override that matches nothing."""
    problems: Problems = []
    warnings: list[str] = []
    claimed, extra_cc = _match_people(template, use, problems)
    recipients = _recipients(template, claimed, extra_cc, warnings)
    specs, values = _fields(template, use, presets or {}, problems)
    if problems:
        raise ValidationFailed(problems)
    hours = use.expiration_hours or template.expiration_hours
    kept = {r.ref for r in recipients}
    reminders, reminder_users = [], []
    for m in template.reminders:
        before = hours - m.hours
        if before <= 0:
            warnings.append(
                f"template reminder {m.id} ({m.hours} h after sending) would come "
                f"after the expiry ({hours} h); it was not copied"
            )
            continue
        if m.template_user_id and m.template_user_id not in kept:
            continue
        reminders.append(
            ReminderSpec(
                hours=before,
                all_users=m.all_users,
                recipient_ref=m.template_user_id,
                subject=m.subject,
                message=m.message,
            )
        )
        reminder_users.append(m.template_user_id)
    spec = DraftSpec(
        name=use.name or template.name,
        description=use.description if use.has_description else template.description,
        expiration_hours=hours,
        # Null means "inherit" at every layer: a request's null keeps the template's value.
        settings={
            **(template.settings or {}),
            **{k: v for k, v in use.settings.items() if v is not None},
        },
        language=use.language or template.language,
        metadata=dict(use.metadata),
        recipients=recipients,
        fields=specs,
        reminders=reminders,
    )
    return Plan(spec, warnings, values, reminder_users)


def _presets(session: Session, workspace_id: str) -> dict[str, str]:
    return {
        d.field_name: d.preset_value
        for d in repository.custom_fields(session, "workspace", workspace_id)
        if d.is_preset and d.preset_value
    }


def use_template(
    session: Session,
    env: notify.Env,
    *,
    workspace_id: str,
    template_id: str,
    use: TemplateUse,
    actor: Actor,
    test: bool = False,
) -> tuple[SigningRequest, list[str]]:
    """Create a draft signing request from a template; returns it and its warnings.

    404 when the template is not in this workspace; 400 listing every problem otherwise."""
    template = repository.get_template(session, workspace_id, template_id)
    made = plan(template, use, _presets(session, workspace_id))
    blob = repository.template_blob(session, template)
    if blob is None:
        raise ValidationFailed([("template_id", "the template has no document")])
    placeholders = {k: v for k, v in use.tokens.items() if k in (template.tokens or [])}
    filled = fill_tokens(env.store, blob, placeholders) if placeholders else None
    kept = [{"name": k, "value": v} for k, v in use.tokens.items()] if use.keep_tokens else []
    new = NewRequest(
        spec=made.spec,
        document=DocumentSource(pdf=filled) if filled is not None else DocumentSource(stored=blob),
        tags=list(use.tags or []),
        prefill=Prefill(tokens=kept),
        template=FromTemplate(
            template_id=template.id,
            values=made.field_values,
            reminder_users=made.reminder_users,
            custom_fields=list(repository.custom_fields(session, "template", template.id)),
        ),
        later=ProcessLater() if use.process_later else None,
    )
    created = create_request(session, env, new, workspace_id=workspace_id, actor=actor, test=test)
    template_event(session, env, template, "template.used", signing_request_id=created.request.id)
    return created.request, made.warnings + created.warnings
