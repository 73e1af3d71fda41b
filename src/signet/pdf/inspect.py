"""Check an incoming PDF once, on arrival: is it a PDF, readable, unencrypted, within the limits,
how many pages; normalised (active content removed, repaired) when it needs it.

The work (``signet.pdf.intake``) runs in a sandboxed worker process with a memory ceiling and a
time limit (``signet.pdf.sandbox``): a hostile file costs that worker, not the server. Running
out of either is reported as a PdfProblem naming the limit. See docs/pdf-intake.md.
"""

from __future__ import annotations

from signet.pdf import sandbox
from signet.pdf.intake import PdfInfo, PdfProblem, describe_pdf_error, normalise_pdf

__all__ = ["INTAKE_TIMEOUT", "PdfInfo", "PdfProblem", "describe_pdf_error", "inspect_pdf"]

# Seconds one file may take to check and rewrite; a 20 MB scan takes about a second.
INTAKE_TIMEOUT = 60.0


def inspect_pdf(data: bytes) -> PdfInfo:
    """Validate ``data`` as a PDF and describe it; raises PdfProblem with a clear message."""
    try:
        return sandbox.run(normalise_pdf, data, timeout=INTAKE_TIMEOUT)
    except sandbox.SandboxFailed as exc:
        raise PdfProblem(f"The PDF cannot be processed: reading it {exc}") from exc
