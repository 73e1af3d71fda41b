"""Anchor tags: place fields where a text marker sits in the document
(docs/compat/firma.md#field-types).

Each tag finds its ``anchor_string`` in the PDF text (case and whole-word rules), picks one or
every occurrence, and adds a field at the marker's top-left corner plus the offsets (percent of
the page, or points). The marker can be removed (cut out of the text, else painted over), and
the field's box given a white background; then the document changes, so the caller stores the
returned PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from signet.pdf.anchors import Cover, TextBox, cover_boxes, erase_text, find_text
from signet.signing import rules
from signet.signing.specs import DraftSpec, FieldSpec
from signet.signing.validation import normalise_designation, normalise_type

Problems = list[tuple[str, str]]
MAX_ANCHOR_TAGS = 100
# Field properties a tag may carry onto the fields it makes.
FIELD_KEYS = (
    "required",
    "read_only",
    "read_only_value",
    "variable_name",
    "variable_defined_name",
    "background_color",
    "dropdown_options",
    "date_default",
    "date_signing_default",
    "multi_group_id",
    "format_rules",
    "name",
    "prefilled_data",
)


@dataclass
class AnchorSpec:
    anchor_string: str
    type: str
    recipient_ref: str | int | None = None
    x_offset: float = 0.0
    y_offset: float = 0.0
    offset_units: str = "percent"
    width: float | None = None
    height: float | None = None
    case_sensitive: bool = False
    match_whole_word: bool = True
    ignore_if_not_present: bool = False
    occurrence: int = 0
    remove_anchor_text: bool = True
    add_white_background: bool = False
    font_size: float | None = None
    field: dict[str, Any] | None = None  # FIELD_KEYS given by the client


@dataclass
class AnchorResult:
    pdf: bytes | None  # the changed document, or None when nothing was painted
    problems: Problems
    warnings: list[str]
    origins: dict[int, int]  # spec field index → anchor tag index, to relabel problems


def _recipient(spec: DraftSpec, ref: str | int | None, loc: str, problems: Problems) -> str | None:
    if ref is None:
        return None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        order = int(ref)
        acting = [r for r in spec.recipients if normalise_designation(r.designation) != "CC"]
        by_order = [r for r in acting if r.order == order]
        match = (
            by_order[0]
            if by_order
            else (
                acting[order - 1]
                if all(r.order is None for r in acting) and 0 < order <= len(acting)
                else None
            )
        )
        if match is None or match.ref is None:
            problems.append((f"{loc}.recipient_id", f"no Signer or Approver has order {order}"))
            return None
        return match.ref
    if not any(r.ref == ref for r in spec.recipients):
        problems.append((f"{loc}.recipient_id", f"unknown recipient {ref}"))
        return None
    return ref


def _check(tag: AnchorSpec, loc: str, problems: Problems) -> str | None:
    ftype = normalise_type(tag.type)
    if ftype is None:
        problems.append((f"{loc}.type", f"unknown field type {tag.type!r}"))
    if not tag.anchor_string or len(tag.anchor_string) > 200:
        problems.append((f"{loc}.anchor_string", "must be 1 to 200 characters"))
    if tag.offset_units not in ("percent", "pixels"):
        problems.append((f"{loc}.offset_units", "must be percent or pixels"))
    if not 0 <= tag.occurrence <= 1000:
        problems.append((f"{loc}.occurrence", "must be 0 (all) to 1000"))
    for key in ("width", "height"):
        value = getattr(tag, key)
        if value is not None and not 0 < value <= 100:
            problems.append((f"{loc}.{key}", "must be more than 0 and at most 100 (percent)"))
    if tag.font_size is not None and not 8 <= tag.font_size <= 48:
        problems.append((f"{loc}.font_size", "must be between 8 and 48"))
    return ftype


def _field(
    tag: AnchorSpec, ftype: str, hit: TextBox, ref: str | None, warnings: list[str], loc: str
) -> FieldSpec:
    dx, dy = tag.x_offset, tag.y_offset
    if tag.offset_units == "pixels":  # PDF points, as upstream means it
        dx, dy = dx / hit.page_width * 100, dy / hit.page_height * 100
    size_key = "text" if ftype == "text_area" else ftype
    dw, dh = rules.DEFAULT_SIZES.get(size_key, (20.0, 3.0))
    w, h = tag.width or dw, tag.height or dh
    x, y = hit.x + dx, hit.y + dy
    fx, fy = min(max(x, 0.0), 100 - w), min(max(y, 0.0), 100 - h)
    if (round(fx, 6), round(fy, 6)) != (round(x, 6), round(y, 6)):
        warnings.append(
            f"{loc}: the field at {tag.anchor_string!r} on page "
            f"{hit.page_number} was moved to stay on the page"
        )
    extra = dict(tag.field or {})
    if tag.font_size is not None:
        extra["format_rules"] = {**(extra.get("format_rules") or {}), "fontSize": tag.font_size}
    return FieldSpec(
        type=ftype,
        page_number=hit.page_number,
        x=round(fx, 4),
        y=round(fy, 4),
        width=w,
        height=h,
        recipient_ref=ref,
        **{k: v for k, v in extra.items() if k in FIELD_KEYS},
    )


def apply_anchor_tags(spec: DraftSpec, pdf: bytes, tags: list[AnchorSpec]) -> AnchorResult:
    """Add the tags' fields to ``spec``; return the painted PDF and what went wrong."""
    problems: Problems = []
    warnings: list[str] = []
    origins: dict[int, int] = {}
    covers: list[Cover] = []
    erase: list[TextBox] = []
    if len(tags) > MAX_ANCHOR_TAGS:
        problems.append(("anchor_tags", f"at most {MAX_ANCHOR_TAGS} anchor tags"))
        return AnchorResult(None, problems, warnings, origins)
    for i, tag in enumerate(tags):
        loc = f"anchor_tags[{i}]"
        ftype = _check(tag, loc, problems)
        ref = _recipient(spec, tag.recipient_ref, loc, problems)
        if ftype is None or not tag.anchor_string:
            continue
        hits = find_text(
            pdf,
            tag.anchor_string,
            case_sensitive=tag.case_sensitive,
            whole_word=tag.match_whole_word,
        )
        if tag.occurrence:
            hits = hits[tag.occurrence - 1 : tag.occurrence]
        if not hits:
            nth = f"occurrence {tag.occurrence} of " if tag.occurrence else ""
            if tag.ignore_if_not_present:
                warnings.append(
                    f"{loc}: {nth}{tag.anchor_string!r} is not in the document; skipped"
                )
            else:
                problems.append(
                    (
                        f"{loc}.anchor_string",
                        f"{nth}{tag.anchor_string!r} was not found in the document",
                    )
                )
            continue
        for hit in hits:
            field = _field(tag, ftype, hit, ref, warnings, loc)
            origins[len(spec.fields)] = i
            spec.fields.append(field)
            if tag.remove_anchor_text and hit not in erase:
                erase.append(hit)
            if tag.add_white_background:
                covers.append(
                    Cover(
                        field.page_number,
                        field.x,
                        field.y,
                        field.width or 0.0,
                        field.height or 0.0,
                        pad=0.0,
                    )
                )
    if problems or not (covers or erase):
        return AnchorResult(None, problems, warnings, origins)
    # Markers leave the text layer too; the ones that cannot be cut out are painted over.
    painted, gone = erase_text(pdf, erase, [len(h.text.replace(" ", "")) for h in erase])
    covers += [
        Cover(h.page_number, h.x, h.y, h.width, h.height)
        for h, ok in zip(erase, gone, strict=True)
        if not ok
    ]
    return AnchorResult(
        cover_boxes(painted, covers) if covers else painted, problems, warnings, origins
    )


def relabel(problems: Problems, origins: dict[int, int]) -> Problems:
    """Problems of fields made by anchor tags name the tag: fields[7].type → anchor_tags[1]."""
    out = []
    for loc, msg in problems:
        if loc.startswith("fields["):
            index = int(loc[len("fields[") : loc.index("]")])
            if index in origins:
                loc = f"anchor_tags[{origins[index]}]" + loc[loc.index("]") + 1 :]
        out.append((loc, msg))
    return out
