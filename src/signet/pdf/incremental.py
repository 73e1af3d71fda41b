"""Stamp, certify and seal a PDF in one incremental update: the original is never rewritten.

:func:`stamp_certify_seal` appends to the original bytes a single update holding the stamped
values (one Form XObject per stamped page, drawn by ``stamp.draw_overlay`` exactly as the pikepdf
path draws them), the certificate's pages, and the PAdES certification signature that covers all
of it. The original bytes are an exact prefix of the result, so the cost is the size of the update
plus one hash of the file, not a parse and rewrite of every object.

qpdf (pikepdf) finds the stamped pages and reads the overlay and certificate, because it parses in
C++; pyHanko writes the update and signs it, and parses of the original only the catalog, the root
of the page tree and the stamped pages. Only the stamped pages' dictionaries are rewritten (a new
/Contents array, their own /Resources); their content streams and every shared resource stay where
they are. A page that shared or inherited its resources gets a shallow copy of them, so the stamp
cannot leak onto other pages. The update uses the original's kind of cross-reference section (a
classic table for a classic file) and no object streams.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError

from signet.pdf.evidence import StampValue
from signet.pdf.original_hash import OriginalHash
from signet.pdf.seal import SealError, SealMetadata, seal_update
from signet.pdf.seal_keys import SealIdentity
from signet.pdf.stamp import (
    STAMP_NAME,
    PageGeometry,
    StampError,
    draw_overlay,
    link_target,
    page_geometry,
    placement_operators,
    values_by_page,
)

__all__ = [
    "IncrementalUpdateError",
    "StampPlan",
    "plan_stamps",
    "stamp_certify_seal",
    "update_preparer",
]

_MAX_TREE_DEPTH = 64  # a bound on /Parent chains and page-tree nesting, against loops
_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_READ_ERRORS = (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError)


class IncrementalUpdateError(SealError):
    """The original cannot be updated incrementally (unreadable to pyHanko, or encrypted).

    The caller may fall back to rewriting the document (``stamp_values`` then ``seal_pdf``).
    """


@dataclass(frozen=True)
class StampPlan:
    """The layout work for stamping one original: made once, usable for several updates of it.

    Made by :func:`plan_stamps`; :func:`stamp_certify_seal` takes it in place of the values, so
    the document-only and final files of a request share one page lookup and one overlay.
    """

    size: int  # of the original, a cheap check that a plan is used with its own original
    page_count: int
    pages: tuple[tuple[int, int], ...]  # object number and generation of each stamped page
    geometries: tuple[PageGeometry, ...]
    values: tuple[tuple[StampValue, ...], ...]  # per stamped page
    overlay: bytes | None  # one page per stamped page, or None when nothing is stamped


def plan_stamps(original: bytes, values: Sequence[StampValue]) -> StampPlan:
    """Find the pages that carry ``values`` and draw their overlay.

    Pages are found and measured with qpdf, by the same code as the rewriting path (so a stamp
    lands exactly where ``stamp_values`` puts it): qpdf walks the page tree in C++, where pyHanko
    would parse every page before the last stamped one in Python, and qpdf is also what counted
    the pages on upload. Raises StampError for a value past the last page or unreadable image
    data, IncrementalUpdateError when qpdf cannot read the original.
    """
    try:
        with pikepdf.open(io.BytesIO(original)) as pdf:
            by_page = values_by_page(values, len(pdf.pages))
            targets = [pdf.pages[n - 1] for n in by_page]
            page_count = len(pdf.pages)
            pages = tuple(page.obj.objgen for page in targets)
            geometries = tuple(page_geometry(page) for page in targets)
    except (pikepdf.PdfError, ValueError) as exc:
        if isinstance(exc, StampError):
            raise
        raise IncrementalUpdateError(f"The PDF cannot be read: {exc}") from exc
    on_pages = tuple(tuple(v) for v in by_page.values())
    overlay = draw_overlay(list(zip(geometries, on_pages, strict=True))) if by_page else None
    return StampPlan(len(original), page_count, pages, geometries, on_pages, overlay)


def stamp_certify_seal(
    original: bytes,
    values: Sequence[StampValue] | StampPlan,
    certificate: bytes | None,
    identity: SealIdentity,
    *,
    reason: str,
    location: str | None,
    tsa_url: str | None,
    metadata: SealMetadata | dict[str, Any],
    original_hash: OriginalHash | None = None,
) -> bytes:
    """``original`` + one incremental update: ``values`` stamped, ``certificate`` appended, sealed.

    ``values`` may be a :class:`StampPlan` made from this original, and ``original_hash`` the
    :class:`OriginalHash` of it, so that several files made from one original hash it once
    (without it, the original is hashed on a thread while the update is prepared). The seal is
    the one :func:`signet.pdf.seal.seal_pdf` makes (a PAdES certification with Signet's
    metadata), and covers the whole file. Raises StampError for a value past the last page or
    unreadable image data, IncrementalUpdateError when the original cannot be updated
    incrementally (the caller may then rewrite it instead), SealError when signing fails, and
    ValueError for a plan or hash made from another document.
    """
    if original_hash is None:
        original_hash = OriginalHash(original)  # on another core, while the update is prepared
    elif original_hash.original is not original and original_hash.original != original:
        raise ValueError("the original hash was made for another document")
    plan = values if isinstance(values, StampPlan) else plan_stamps(original, values)
    if plan.size != len(original):
        raise ValueError("the stamp plan was made for another document")

    prepare = update_preparer(original, plan, certificate)
    return seal_update(
        prepare,
        identity,
        reason=reason,
        location=location,
        tsa_url=tsa_url,
        metadata=metadata,
        original=original_hash,
    )


def update_preparer(
    original: bytes, plan: StampPlan, certificate: bytes | None
) -> Callable[[], IncrementalPdfFileWriter]:
    """What :func:`stamp_certify_seal` signs: a function returning a new incremental writer over
    ``original`` with the planned stamps drawn and ``certificate``'s pages appended, unsigned.

    Each call starts again from the unchanged original. Per-signer signatures
    (``signer_signature.py``) sign it with the first signer's key instead of the seal.
    """

    def prepare() -> IncrementalPdfFileWriter:
        writer = _open(original)
        try:
            if int(writer.root["/Pages"]["/Count"]) != plan.page_count:
                raise PdfError("the page tree's /Count does not match its pages")
            targets = [_page(writer, objgen) for objgen in plan.pages]
        except _READ_ERRORS as exc:
            raise IncrementalUpdateError(f"The PDF's pages cannot be read: {exc}") from exc
        if plan.overlay is not None:
            with pikepdf.open(io.BytesIO(plan.overlay)) as overlay:
                importer = _Importer(writer)
                forms = [_form_xobject(importer, page) for page in overlay.pages]
            opening = writer.add_object(generic.StreamObject(stream_data=b"q\n"))
            for (ref, page), geo, form, on_page in zip(
                targets, plan.geometries, forms, plan.values, strict=True
            ):
                _place(writer, ref, page, geo, form, opening, on_page)
        if certificate is not None:
            try:
                with pikepdf.open(io.BytesIO(certificate)) as source:
                    _append_pages(writer, source)
            except (pikepdf.PdfError, PdfError) as exc:
                raise SealError(f"The certificate cannot be appended: {exc}") from exc
        return writer

    return prepare


def _page(
    writer: IncrementalPdfFileWriter, objgen: tuple[int, int]
) -> tuple[generic.IndirectObject, generic.DictionaryObject]:
    """The page object qpdf found, as pyHanko reads it; PdfError if it is not a page there."""
    ref = generic.IndirectObject(objgen[0], objgen[1], writer.prev)
    page = ref.get_object()
    if (
        not isinstance(page, generic.DictionaryObject)
        or "/Kids" in page
        or page.get("/Type", "/Page") != "/Page"
    ):
        raise PdfError(f"object {objgen[0]} {objgen[1]} R is not a page")
    return ref, page


def _open(original: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(original))
    except _READ_ERRORS as exc:
        raise IncrementalUpdateError(f"The PDF cannot be read for updating: {exc}") from exc
    if writer.prev.encrypted:
        raise IncrementalUpdateError("The PDF is encrypted")
    return writer


# What pyHanko's NameObject writes as #XX in a name: "#", delimiters, and bytes outside ! to ~.
_NAME_ESCAPED = re.compile(rb"[^!-~]|[#()<>\[\]{}/%]")


class _Name(generic.NameObject):
    """A name that writes itself in one piece, the bytes pyHanko's ``NameObject`` writes.

    pyHanko writes a name a byte at a time (a Python call and a ``write`` for each), which made
    the names in the certificate's fonts and the overlay's resources a third of the time spent
    writing the update. Names copied from qpdf are made as these; a name needing an escape is
    written by pyHanko as before.
    """

    __slots__ = ()

    def write_to_stream(self, stream: Any, handler: Any = None, container_ref: Any = None) -> None:
        raw = self.encode("utf8")
        if raw[:1] == b"/" and _NAME_ESCAPED.search(raw, 1) is None:
            stream.write(raw)
        else:
            super().write_to_stream(stream, handler, container_ref)


class _Importer:
    """Copies objects from one PDF open in pikepdf into the writer, each source object once.

    qpdf parses the source (in C++, ten times faster than pyHanko's reader); this only converts.
    One instance serves a whole source, so an image or font that several overlay pages share is
    written once. ``reserve`` fixes an object's new reference before it is copied, for pages that
    their own annotations point back to.
    """

    def __init__(self, writer: IncrementalPdfFileWriter) -> None:
        self.writer = writer
        self._mapped: dict[tuple[int, int], generic.IndirectObject] = {}
        self._queue: list[tuple[pikepdf.Object, generic.IndirectObject]] = []

    def reserve(self, obj: pikepdf.Object) -> generic.IndirectObject:
        ref = self._mapped[obj.objgen] = self.writer.allocate_placeholder()
        return ref

    def copy(self, obj: Any) -> generic.PdfObject:
        result = self._convert(obj)
        while self._queue:
            source, target = self._queue.pop()
            self.writer.add_object(self._convert(source, top=True), idnum=target.idnum)
        return result

    def _convert(self, obj: Any, *, top: bool = False) -> generic.PdfObject:
        if isinstance(obj, bool):
            return generic.BooleanObject(obj)
        if isinstance(obj, int):
            return generic.NumberObject(obj)
        if isinstance(obj, Decimal | float):
            return generic.FloatObject(obj)
        if obj is None:
            return generic.NullObject()
        if not top and obj.is_indirect:
            if obj.objgen not in self._mapped:
                self._mapped[obj.objgen] = self.writer.allocate_placeholder()
                self._queue.append((obj, self._mapped[obj.objgen]))
            return self._mapped[obj.objgen]
        if isinstance(obj, pikepdf.Stream):
            entries = {_Name(k): self._convert(v) for k, v in obj.items() if k != "/Length"}
            return generic.StreamObject(entries, encoded_data=obj.read_raw_bytes())
        if isinstance(obj, pikepdf.Dictionary):
            return generic.DictionaryObject({_Name(k): self._convert(v) for k, v in obj.items()})
        if isinstance(obj, pikepdf.Array):
            return generic.ArrayObject(self._convert(v) for v in obj)
        if isinstance(obj, pikepdf.Name):
            return _Name(str(obj))
        if isinstance(obj, pikepdf.String):
            return generic.ByteStringObject(bytes(obj))
        raise PdfError(f"cannot copy a {type(obj).__name__} object")


def _qpdf_inherited(obj: pikepdf.Object, key: str) -> Any:
    """A page attribute from the page or the nearest /Pages ancestor (pikepdf side)."""
    node: Any = obj
    for _ in range(_MAX_TREE_DEPTH):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, generic.IndirectObject) else obj


def _inherited(page: generic.DictionaryObject, key: str) -> Any:
    """A page attribute, raw (unresolved), from the page or the nearest /Pages ancestor."""
    node: Any = page
    for _ in range(_MAX_TREE_DEPTH):
        if not isinstance(node, generic.DictionaryObject):
            return None
        if key in node:
            return node.raw_get(key)
        node = _resolve(node.raw_get("/Parent")) if "/Parent" in node else None
    return None


def _form_xobject(importer: _Importer, page: pikepdf.Page) -> generic.IndirectObject:
    """An overlay page as a Form XObject in the writer; its content stream is not re-encoded."""
    resources = _qpdf_inherited(page.obj, "/Resources")
    entries: dict[str, generic.PdfObject] = {
        "/Type": pdf_name("/XObject"),
        "/Subtype": pdf_name("/Form"),
        "/BBox": importer.copy(page.mediabox),
        "/Resources": importer.copy(resources if resources is not None else pikepdf.Dictionary()),
    }
    contents = page.obj.get("/Contents")
    parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    if len(parts) == 1 and isinstance(parts[0], pikepdf.Stream):
        for key in ("/Filter", "/DecodeParms"):
            if key in parts[0]:
                entries[key] = importer.copy(parts[0][key])
        form = generic.StreamObject(entries, encoded_data=parts[0].read_raw_bytes())
    else:
        data = b"\n".join(p.read_bytes() for p in parts if isinstance(p, pikepdf.Stream))
        form = generic.StreamObject(entries, stream_data=data)
        form.compress()
    return importer.writer.add_object(form)


def _place(
    writer: IncrementalPdfFileWriter,
    page_ref: generic.IndirectObject,
    page: generic.DictionaryObject,
    geo: PageGeometry,
    form: generic.IndirectObject,
    opening: generic.IndirectObject,
    values: Sequence[StampValue],
) -> None:
    """Draw ``form`` on top of the page, wrapping its own content in q/Q; add url links."""
    own = generic.DictionaryObject(dict(_resolve(_inherited(page, "/Resources")) or {}))
    xobjects = generic.DictionaryObject(dict(_resolve(own.get("/XObject")) or {}))
    name, suffix = STAMP_NAME, 1
    while f"/{name}" in xobjects:
        name, suffix = f"{STAMP_NAME}{suffix}", suffix + 1
    xobjects[pdf_name(f"/{name}")] = form
    own[pdf_name("/XObject")] = xobjects
    page[pdf_name("/Resources")] = own

    _, after = placement_operators(geo, name)
    closing = writer.add_object(generic.StreamObject(stream_data=after))
    existing = _resolve(page.raw_get("/Contents")) if "/Contents" in page else None
    if isinstance(existing, generic.ArrayObject):
        streams = list(existing)
    elif isinstance(existing, generic.StreamObject):
        streams = [page.raw_get("/Contents")]
    else:
        streams = []
    page[pdf_name("/Contents")] = generic.ArrayObject([opening, *streams, closing])

    links = [t for t in (link_target(geo, v) for v in values) if t is not None]
    if links:
        annots = _resolve(page.raw_get("/Annots")) if "/Annots" in page else None
        page[pdf_name("/Annots")] = generic.ArrayObject(
            [*(annots or []), *(writer.add_object(_link(url, rect)) for url, rect in links)]
        )
    writer.mark_update(page_ref)


def _link(url: str, rect: tuple[float, float, float, float]) -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            "/Type": pdf_name("/Annot"),
            "/Subtype": pdf_name("/Link"),
            "/Rect": generic.ArrayObject(generic.FloatObject(round(v, 4)) for v in rect),
            "/Border": generic.ArrayObject([generic.NumberObject(0)] * 3),
            "/F": generic.NumberObject(4),  # print
            "/A": generic.DictionaryObject(
                {"/S": pdf_name("/URI"), "/URI": generic.pdf_string(url)}
            ),
        }
    )


def _append_pages(writer: IncrementalPdfFileWriter, source: pikepdf.Pdf) -> None:
    """Append every page of ``source`` to the writer's page tree, as its root's last kids.

    Each page gets its inheritable attributes set on itself, so nothing it would inherit from the
    document's tree (a /Rotate, a CropBox, resources) changes how it looks.
    """
    importer = _Importer(writer)
    tree_ref = writer.root.raw_get("/Pages")
    tree = tree_ref.get_object()
    pages = [page.obj for page in source.pages]
    new_refs = [importer.reserve(page) for page in pages]
    for page, new_ref in zip(pages, new_refs, strict=True):
        entries = {k: importer.copy(v) for k, v in page.items() if k != "/Parent"}
        inherited = {k: _qpdf_inherited(page, k) for k in _INHERITABLE}
        media = inherited["/MediaBox"]
        if media is None:
            media = pikepdf.Array([0, 0, 612, 792])
        defaults = {
            "/Resources": pikepdf.Dictionary(),
            "/MediaBox": media,
            "/CropBox": media,
            "/Rotate": 0,
        }
        for key, default in defaults.items():
            if key not in entries:
                value = inherited[key]
                entries[key] = importer.copy(value if value is not None else default)
        entries["/Parent"] = tree_ref
        writer.add_object(generic.DictionaryObject(entries), idnum=new_ref.idnum)
    kids_raw = tree.raw_get("/Kids")
    _resolve(kids_raw).extend(new_refs)
    tree[pdf_name("/Count")] = generic.NumberObject(int(tree["/Count"]) + len(pages))
    if isinstance(kids_raw, generic.IndirectObject):
        writer.mark_update(kids_raw)
    writer.mark_update(tree_ref)
