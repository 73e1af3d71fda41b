"""Remove what a PDF would do rather than show: scripts, launch actions, attachments.

The signer sees the pages as Signet renders them and nothing else. What a PDF reader would run
or open on its own (JavaScript, a program to launch, a form to submit, a file to open) is not
part of what was seen and agreed, and the sealed document is mailed to every recipient, so it
is taken out of the document before anyone signs it. Links (URI and go-to actions) stay. See
docs/pdf-intake.md.
"""

from __future__ import annotations

import pikepdf

__all__ = ["remove_active_content"]

# Actions a reader performs on its own or that reach outside the document.
_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/ResetForm",
    "/Rendition",
    "/Movie",
    "/Sound",
    "/GoToE",
    "/GoToR",
    "/RichMediaExecute",
    "/SetOCGState",
    "/Hide",
    "/Trans",
    "/GoTo3DView",
}
# Keys whose value is an action (or a chain of them).
_ACTION_KEYS = ("/A", "/OpenAction", "/Next")
_MAX_DEPTH = 32


def _is_active(value: pikepdf.Object) -> bool:
    if isinstance(value, pikepdf.Array):
        return any(_is_active(v) for v in value)
    if not isinstance(value, pikepdf.Dictionary):
        return False
    return str(value.get("/S", "")) in _ACTIVE_ACTIONS or "/JS" in value


def _clean(obj: pikepdf.Object, removed: set[str], depth: int = 0) -> None:
    """Take active entries out of ``obj`` and the direct objects inside it; indirect objects
    are visited on their own by the caller."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        if "/AA" in obj:
            del obj["/AA"]
            removed.add("additional actions (/AA)")
        for key in _ACTION_KEYS:
            if key in obj and _is_active(obj[key]):
                removed.add(f"active actions ({key})")
                del obj[key]
        if str(obj.get("/Subtype", "")) == "/FileAttachment" and "/FS" in obj:
            del obj["/FS"]
            removed.add("file attachment annotations")
        children = list(obj.values()) if isinstance(obj, pikepdf.Dictionary) else []
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect:
            _clean(child, removed, depth + 1)


def remove_active_content(pdf: pikepdf.Pdf) -> list[str]:
    """Remove scripts, active actions, embedded files and XFA from ``pdf`` in place; the sorted
    list of what was removed (empty when the document had none)."""
    removed: set[str] = set()
    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key, what in (
            ("/JavaScript", "document JavaScript"),
            ("/EmbeddedFiles", "embedded files"),
        ):
            if key in names:
                del names[key]
                removed.add(what)
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        del form["/XFA"]
        removed.add("XFA form")
    _clean(root, removed)
    _clean(pdf.trailer, removed)
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream):
            _clean(obj, removed)
    return sorted(removed)
