"""Email rendering: the email types, their placeholders, and Jinja2 templates looked up in layers.

A template name (``signing_invite.html``) is looked up language first, then layer: the requested
language in every layer (workspace, company, built-in), then its primary subtag, then ``en``. So a
recipient always gets a language they asked for when anyone provides it, and a custom template
beats the built-in one within the same language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from jinja2 import (
    BaseLoader,
    ChainableUndefined,
    Environment,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    nodes,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from signet.mail.html_text import html_to_text

__all__ = [
    "DEFAULT_LANGUAGE",
    "EMAIL_TYPES",
    "NOTICE_TYPES",
    "PLACEHOLDERS",
    "REQUIRED_PLACEHOLDERS",
    "DictTemplateSource",
    "PackageTemplateSource",
    "RenderedEmail",
    "TemplateSource",
    "builtin_languages",
    "render_email",
    "template_warnings",
]

DEFAULT_LANGUAGE = "en"

EMAIL_TYPES: tuple[str, ...] = (
    "signing_invite",
    "next_signer",
    "resend_notification",
    "signing_expired",
    "signing_cancelled",
    "signing_declined",
    "signing_declined_admin",
    "signing_completed",
    "signing_otp",
)

# Notices to the workspace's team about the service itself (a webhook turned off:
# docs/compat/webhooks.md#auto-disable), from the built-in templates only.
NOTICE_TYPES: tuple[str, ...] = ("webhook_disabled",)

# docs/emails.md#placeholders. Anything else in a template renders empty and is reported by
# template_warnings().
PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "signer_name",
        "signer_first_name",
        "signer_email",
        "signing_link",
        "download_link",
        "document_name",
        "document_description",
        "expires_at",
        "expiration_hours",
        "completed_at",
        "sender_name",
        "company_name",
        "workspace_name",
        "custom_message",
        "decline_reason",
        "decliner_name",
        "cancel_reason",
        "otp_code",
        "otp_minutes",
    }
)

# An invite without the link is useless, so both the templates and the context must carry it.
REQUIRED_PLACEHOLDERS: Mapping[str, frozenset[str]] = {
    "signing_invite": frozenset({"signing_link"}),
    "next_signer": frozenset({"signing_link"}),
    "resend_notification": frozenset({"signing_link"}),
    "signing_otp": frozenset({"otp_code"}),
}

_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
_TEMPLATE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class RenderedEmail:
    """One email ready to be wrapped in a MIME message."""

    subject: str
    html: str
    text: str
    email_type: str = ""
    language: str = DEFAULT_LANGUAGE


class TemplateSource(Protocol):
    """Where templates come from: the built-in package, or a workspace's or company's overrides.

    ``get_source`` returns the template text, or ``None`` when this source has no such template
    in that language (the next layer is then asked).
    """

    name: str

    def get_source(self, language: str, filename: str) -> str | None: ...


class PackageTemplateSource:
    """The templates shipped in ``signet/mail/templates/<language>/``."""

    name = "builtin"

    def get_source(self, language: str, filename: str) -> str | None:
        return _read_builtin(language, filename)


class DictTemplateSource:
    """Overrides held in memory, ``{language: {filename: text}}``: e.g. rows loaded from the
    database for one workspace just before rendering."""

    def __init__(self, templates: Mapping[str, Mapping[str, str]], name: str = "custom") -> None:
        self.name = name
        self._templates = {lang.lower(): dict(files) for lang, files in templates.items()}

    def get_source(self, language: str, filename: str) -> str | None:
        return self._templates.get(language, {}).get(filename)


@lru_cache(maxsize=256)
def _read_builtin(language: str, filename: str) -> str | None:
    if not _LANGUAGE_RE.match(language) or not _TEMPLATE_NAME_RE.match(filename):
        return None
    path = resources.files("signet.mail") / "templates" / language / filename
    return path.read_text(encoding="utf-8") if path.is_file() else None


def builtin_languages() -> list[str]:
    """The languages Signet ships templates for."""
    root = resources.files("signet.mail") / "templates"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _LANGUAGE_RE.match(p.name))


def _language_chain(language: str | None) -> tuple[str, ...]:
    """``pt-BR`` → (``pt-br``, ``pt``, ``en``). An invalid tag (or a path) falls back to ``en``."""
    tag = (language or "").strip().lower().replace("_", "-")
    chain: list[str] = []
    if _LANGUAGE_RE.match(tag):
        chain.append(tag)
        chain.append(tag.split("-", 1)[0])
    chain.append(DEFAULT_LANGUAGE)
    return tuple(dict.fromkeys(chain))


class _LayeredLoader(BaseLoader):
    """Finds a template by name across (language × source), in the order the module docstring
    gives. Positions are comparable, so callers can tell which of two templates is more
    specific."""

    def __init__(self, sources: Sequence[TemplateSource], languages: Sequence[str]) -> None:
        self.sources = tuple(sources)
        self.languages = tuple(languages)

    def locate(self, name: str) -> tuple[int, str, str, str] | None:
        """(position, language, source name, text) of the first match, or None."""
        if not _TEMPLATE_NAME_RE.match(name):
            return None
        position = 0
        for language in self.languages:
            for source in self.sources:
                text = source.get_source(language, name)
                if text is not None:
                    return position, language, source.name, text
                position += 1
        return None

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        found = self.locate(template)
        if found is None:
            raise TemplateNotFound(template)
        _, language, source_name, text = found
        # Sources do not change under a built environment (override environments are per call).
        return text, f"{source_name}:{language}/{template}", lambda: True


def _nl2br(value: Any) -> Markup:
    """Escape, then keep the sender's line breaks: custom messages and reasons are multi-line."""
    lines = str(escape(value)).splitlines()
    return Markup("<br>\n").join(Markup(line) for line in lines)


def _make_environment(loader: _LayeredLoader) -> SandboxedEnvironment:
    # Sandboxed because workspace and company templates are written by customers, and an
    # ordinary Jinja environment lets a template reach Python internals.
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=lambda name: bool(name and name.endswith(".html")),
        undefined=ChainableUndefined,  # unknown placeholders (even dotted) render empty
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nl2br"] = _nl2br
    return env


@lru_cache(maxsize=32)
def _builtin_environment(languages: tuple[str, ...]) -> SandboxedEnvironment:
    return _make_environment(_LayeredLoader([PackageTemplateSource()], languages))


def _environment(
    languages: tuple[str, ...], overrides: Sequence[TemplateSource]
) -> tuple[SandboxedEnvironment, _LayeredLoader]:
    if not overrides:
        env = _builtin_environment(languages)
    else:
        env = _make_environment(_LayeredLoader([*overrides, PackageTemplateSource()], languages))
    assert isinstance(env.loader, _LayeredLoader)
    return env, env.loader


def _display_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, bool | int | float):
        return value
    # str() also strips Markup: every value is escaped, whoever built it.
    return str(value)


def _prepare_context(email_type: str, context: Mapping[str, Any]) -> dict[str, Any]:
    values = {key: _display_value(value) for key, value in context.items()}
    if not values.get("signer_first_name") and values.get("signer_name"):
        values["signer_first_name"] = str(values["signer_name"]).split()[0]
    missing = sorted(k for k in REQUIRED_PLACEHOLDERS.get(email_type, ()) if not values.get(k))
    if missing:
        raise ValueError(f"{email_type} email needs {', '.join(missing)} in its context")
    return values


# Control characters other than whitespace (which _one_line folds into spaces).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _one_line(text: str) -> str:
    # A subject is a header: line breaks would be refused by the email package, so fold them;
    # other control characters (NUL, BEL, ESC) have no place in a header and are dropped.
    return " ".join(_CONTROL.sub("", text).split())


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render_email(
    email_type: str,
    context: Mapping[str, Any],
    language: str = DEFAULT_LANGUAGE,
    *,
    subject: str | None = None,
    sources: Sequence[TemplateSource] = (),
) -> RenderedEmail:
    """Render one email's subject, HTML body and plain-text body.

    ``context`` holds the placeholders of docs/emails.md#placeholders (strings, numbers or
    datetimes; ``None`` renders empty). ``subject`` replaces the template subject as literal
    text (PandaDoc send subject, reminder subject). ``sources`` are override layers, most
    specific first (workspace, company); the built-in templates always come last. When an
    override provides the HTML body but no text body, the text body is generated from the HTML
    so both parts say the same thing.
    """
    if email_type not in EMAIL_TYPES and email_type not in NOTICE_TYPES:
        raise ValueError(
            f"unknown email type {email_type!r}; expected one of {EMAIL_TYPES + NOTICE_TYPES}"
        )
    values = _prepare_context(email_type, context)
    env, loader = _environment(_language_chain(language), sources)

    html_name = f"{email_type}.html"
    html_found = loader.locate(html_name)
    if html_found is None:
        raise TemplateNotFound(html_name)
    html = env.get_template(html_name).render(values)

    text_found = loader.locate(f"{email_type}.txt")
    if text_found is not None and text_found[0] <= html_found[0]:
        text = env.get_template(f"{email_type}.txt").render(values)
    else:
        text = html_to_text(html)

    if subject is None or not subject.strip():
        subject = env.get_template(f"{email_type}.subject.txt").render(values)
    return RenderedEmail(
        subject=_one_line(subject),
        html=html,
        text=_tidy_text(text),
        email_type=email_type,
        language=html_found[1],
    )


def template_warnings(email_type: str, source: str, *, part: str = "html") -> list[str]:
    """Problems to report when a customer saves a template (``part``: subject, html or text):
    a syntax error, placeholders that will render empty, a body without its required link.
    An empty list means the template is fine."""
    env = _make_environment(_LayeredLoader([], ()))
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [f"template does not parse (line {exc.lineno}): {exc.message}"]
    # Jinja scopes blocks apart, so a name set at the top and used in a block looks undeclared:
    # count anything the template sets, imports or defines as its own.
    own = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    own |= {m.name for m in tree.find_all(nodes.Macro)}
    for node in tree.find_all(nodes.FromImport):
        own |= {item[1] if isinstance(item, tuple) else item for item in node.names}
    names = meta.find_undeclared_variables(tree) - own
    warnings = [
        f"unknown placeholder {{{{{n}}}}} renders empty" for n in sorted(names - PLACEHOLDERS)
    ]
    if part != "subject":
        for name in sorted(REQUIRED_PLACEHOLDERS.get(email_type, frozenset()) - names):
            warnings.append(f"{email_type} {part} should contain {{{{{name}}}}}")
    return warnings
