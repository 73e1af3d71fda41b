"""The layer contract in pyproject.toml (docs/architecture.md) holds: no module imports a layer
above its own, the faces never import each other, and no sibling modules import each other in a
cycle. A new upward import fails here, and so in CI."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    assert exe, "lint-imports is missing: install the dev extras (make test does)"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [exe, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_domain_never_names_a_face() -> None:
    below_faces = ["signing", "templates", "webhooks", "jobs", "mail", "audit", "pdf", "storage"]
    below_faces += ["models", "kit", "workspaces"]
    offenders = []
    for package in below_faces:
        for path in (ROOT / "src" / "signet" / package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if "signet.api" in line or "signet.signing_page" in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_faces_run_no_queries_of_their_own() -> None:
    """Queries live in repositories (docs/architecture.md); the faces call them."""
    markers = ("select(", "session.execute(", "session.get(", "session.scalars(", ".query(")
    offenders = []
    for package in ("api", "signing_page"):
        for path in (ROOT / "src" / "signet" / package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if any(marker in line for marker in markers):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_every_create_goes_through_the_one_pipeline() -> None:
    """Only ``signing.creation`` makes a draft: every face's creates, from a document or a
    template, pass its checks in the same order (docs/architecture.md)."""
    callers = set()
    for path in (ROOT / "src" / "signet").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("create_draft", "check_pdf", "store_pdf"):
                    callers.add(f"{path.relative_to(ROOT / 'src' / 'signet')}: {name}")
    assert callers == {
        "signing/creation.py: create_draft",
        "signing/creation.py: check_pdf",
        "signing/creation.py: store_pdf",
        "signing/uploads.py: check_pdf",
        "signing/uploads.py: store_pdf",
        "signing/processing.py: store_pdf",
    }
