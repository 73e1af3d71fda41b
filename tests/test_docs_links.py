"""The code's pointers into docs/ lead somewhere, and nothing points outside the repository.

Comments cite the decisions they rely on as ``docs/<page>.md#<heading>``. A renamed page or
heading would leave a newcomer at a dead end, and a pointer to a file that only exists on one
developer's machine (an ``API.md`` next to the checkout) is worse: these tests catch both.
The docs in turn name modules (`signet.webhooks.netguard`); a module that moves must take its
mentions along.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
TESTS = ROOT / "tests"
DOCS = ROOT / "docs"

# Pointers to files outside this repository.
OUTSIDE = re.compile(r"API\.md|\.\./shared|/work/shared|\bAPI §")
# A docs page cited from code, with an optional #heading.
CITATION = re.compile(r"\bdocs/([A-Za-z0-9_./-]+\.md)(?:#([A-Za-z0-9_-]+))?")
# A relative Markdown link inside docs/.
MD_LINK = re.compile(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)")


def text_files(*roots: Path) -> list[Path]:
    """Source, template, script and style files: everything a comment can live in."""
    out = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or ".egg-info" in str(path):
                continue
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # fonts and other binary assets
            out.append(path)
    return out


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to -."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Anchors of every heading of a Markdown page (code blocks skipped; repeats get -1, -2)."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if in_code or not match:
            continue
        base = slug(match.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def test_slug_follows_github_rules() -> None:
    assert slug("Scope and secrets") == "scope-and-secrets"
    assert slug("postMessage events") == "postmessage-events"
    assert slug("PandaDoc v1") == "pandadoc-v1"
    assert slug("Rate limits and idempotency") == "rate-limits-and-idempotency"
    assert slug("`X-Frame-Options` (never)") == "x-frame-options-never"


def test_no_source_file_points_outside_the_repository() -> None:
    this = Path(__file__).resolve()
    offenders = []
    for path in text_files(SRC, TESTS):
        if path.resolve() == this:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "write the decision into docs/ and point there:\n" + "\n".join(
        offenders
    )


def cited() -> list[tuple[str, str, str | None]]:
    """(where, page, anchor) for every docs/ citation in src/ and tests/."""
    this = Path(__file__).resolve()
    out = []
    for path in text_files(SRC, TESTS):
        if path.resolve() == this:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in CITATION.finditer(line):
                out.append((f"{path.relative_to(ROOT)}:{number}", match[1], match[2]))
    return out


def test_code_cites_docs() -> None:
    # Guards the check below against passing because the pattern stopped matching anything.
    assert len(cited()) >= 40


@pytest.mark.parametrize("where,page,anchor", cited())
def test_cited_docs_page_and_heading_exist(where: str, page: str, anchor: str | None) -> None:
    path = DOCS / page
    assert path.is_file(), f"{where} cites docs/{page}, which does not exist"
    if anchor is not None:
        assert anchor in anchors(path), f"{where} cites docs/{page}#{anchor}: no such heading"


def test_links_between_docs_pages_resolve() -> None:
    broken = []
    for page in sorted(DOCS.rglob("*.md")):
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for match in MD_LINK.finditer(line):
                target, anchor = match[1], match[2]
                if re.match(r"^[a-z]+:", target):
                    continue  # an absolute URL
                dest = (page.parent / target).resolve() if target else page
                where = f"{page.relative_to(ROOT)}:{number}"
                if not dest.is_file():
                    broken.append(f"{where}: {target} does not exist")
                elif anchor is not None and anchor not in anchors(dest):
                    broken.append(f"{where}: {target}#{anchor} has no such heading")
    assert broken == [], "\n".join(broken)


# A module or a module's name, as docs/ cite them: `signet.webhooks.netguard`,
# `signet.signing.service.send_problems`.
MODULE_REF = re.compile(r"`(signet(?:\.[A-Za-z_]+)+)`")


def module_ref_problem(ref: str) -> str | None:
    """Why ``ref`` names no module (or no name in a module) under src/, or None."""
    parts = ref.split(".")
    for cut in range(len(parts), 0, -1):
        base = SRC.joinpath(*parts[:cut])
        module = (
            base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        )
        if not module.is_file():
            continue
        rest = parts[cut:]
        if not rest:
            return None
        if len(rest) == 1 and re.search(rf"\b{re.escape(rest[0])}\b", module.read_text("utf-8")):
            return None
        return f"{'.'.join(rest)} is not in {module.relative_to(ROOT)}"
    return "no such module"


def test_docs_name_modules_that_exist() -> None:
    # postMessage types such as `signet.signing.loaded` look like module paths; the page's
    # scripts send them as strings, which tells them apart.
    scripts = " ".join(p.read_text("utf-8") for p in (SRC / "signet").rglob("*.js"))
    broken = []
    for page in sorted(DOCS.rglob("*.md")):
        for ref in sorted(set(MODULE_REF.findall(page.read_text(encoding="utf-8")))):
            if f'"{ref}"' in scripts:
                continue
            if problem := module_ref_problem(ref):
                broken.append(f"{page.relative_to(ROOT)}: `{ref}`: {problem}")
    assert broken == [], "\n".join(broken)


def test_docs_do_not_point_outside_the_repository() -> None:
    offenders = [
        f"{page.relative_to(ROOT)}:{number}"
        for page in sorted(DOCS.rglob("*.md"))
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []
