"""Read a PDF's interactive form (AcroForm) widgets as Signet fields, and strip them.

Pure: bytes in, descriptions or bytes out. Used by PandaDoc's ``parse_form_fields=true``: each
widget becomes a field at the same place (percent of the page, top-left origin), and the
widgets are removed from the stored document so they do not sit on top of the stamped values.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pikepdf

_RADIO, _PUSHBUTTON, _MULTILINE = 1 << 15, 1 << 16, 1 << 12


@dataclass(frozen=True)
class FormField:
    name: str
    type: str  # text | text_area | checkbox | radio_buttons | dropdown | signature
    page: int
    x: float
    y: float
    width: float
    height: float
    options: list[str] | None = None
    value: str | None = None
    group: str | None = None


def _inherited(annot: Any, key: str) -> Any:
    node, depth = annot, 0
    while node is not None and depth < 32:
        if key in node:
            return node[key]
        node = node.get("/Parent")
        depth += 1
    return None


def _full_name(annot: Any) -> str:
    parts, node, depth = [], annot, 0
    while node is not None and depth < 32:
        if "/T" in node:
            parts.append(str(node["/T"]))
        node = node.get("/Parent")
        depth += 1
    return ".".join(reversed(parts))


def _box(page: pikepdf.Page, rect: Any) -> tuple[float, float, float, float] | None:
    box = page.cropbox if "/CropBox" in page.obj else page.mediabox
    bx0, by0, bx1, by1 = (float(v) for v in box)
    pw, ph = abs(bx1 - bx0), abs(by1 - by0)
    x0, y0, x1, y1 = (float(v) for v in rect)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    x, y = (x0 - min(bx0, bx1)) / pw * 100, (max(by0, by1) - y1) / ph * 100
    w, h = (x1 - x0) / pw * 100, (y1 - y0) / ph * 100
    x, y = max(0.0, x), max(0.0, y)
    w, h = min(w, 100 - x), min(h, 100 - y)
    if w <= 0 or h <= 0:
        return None
    return round(x, 4), round(y, 4), round(w, 4), round(h, 4)


def _describe(annot: Any, page_no: int, page: pikepdf.Page) -> FormField | None:
    ftype = _inherited(annot, "/FT")
    flags = int(_inherited(annot, "/Ff") or 0)
    rect = annot.get("/Rect")
    name = _full_name(annot)
    if ftype is None or rect is None or not name:
        return None
    box = _box(page, rect)
    if box is None:
        return None
    value = _inherited(annot, "/V")
    text_value = str(value) if isinstance(value, pikepdf.String) else None
    if ftype == "/Tx":
        kind = "text_area" if flags & _MULTILINE else "text"
        return FormField(name, kind, page_no, *box, value=text_value)
    if ftype == "/Sig":
        return FormField(name, "signature", page_no, *box)
    if ftype == "/Ch":
        opts = [
            str(o[1] if isinstance(o, pikepdf.Array) else o)
            for o in (_inherited(annot, "/Opt") or [])
        ]
        return FormField(name, "dropdown", page_no, *box, options=opts or None, value=text_value)
    if ftype == "/Btn" and not flags & _PUSHBUTTON:
        on = [str(k)[1:] for k in (annot.get("/AP", {}).get("/N", {}) or {}) if str(k) != "/Off"]
        state = str(value)[1:] if isinstance(value, pikepdf.Name) else None
        if flags & _RADIO:
            label = on[0] if on else name
            return FormField(
                label,
                "radio_buttons",
                page_no,
                *box,
                group=name,
                value="true" if state and state == label else None,
            )
        return FormField(
            name, "checkbox", page_no, *box, value="true" if state and state != "Off" else None
        )
    return None


def read_form_fields(data: bytes) -> list[FormField]:
    """Every usable widget of the form, page by page."""
    out: list[FormField] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page_no, page in enumerate(pdf.pages, start=1):
            for annot in page.obj.get("/Annots", []) or []:
                if annot.get("/Subtype") == "/Widget":
                    described = _describe(annot, page_no, page)
                    if described is not None:
                        out.append(described)
    return out


def strip_form(data: bytes) -> bytes:
    """The same PDF without its form widgets and AcroForm dictionary."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            annots = page.obj.get("/Annots")
            if annots is None:
                continue
            kept = [a for a in annots if a.get("/Subtype") != "/Widget"]
            if kept:
                page.obj["/Annots"] = pikepdf.Array(kept)
            else:
                del page.obj["/Annots"]
        if "/AcroForm" in pdf.Root:
            del pdf.Root["/AcroForm"]
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
