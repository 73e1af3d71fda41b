"""A corpus of broken, hostile and odd PDFs, made from code: each kind is a function that returns
the bytes. Used by the intake tests and by bench/hostile.py."""

from __future__ import annotations

import functools
import io
import re
import zlib
from collections.abc import Callable

import pikepdf
from reportlab.pdfgen import canvas

MB = 1024 * 1024


def base(pages: int = 2, size: tuple[float, float] = (612, 792)) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    for i in range(pages):
        c.setFont("Helvetica", 14)
        c.drawString(20, size[1] / 2, f"Corpus page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _edit(fn: Callable[[pikepdf.Pdf], None], data: bytes | None = None, **save: object) -> bytes:
    pdf = pikepdf.open(io.BytesIO(data or base()))
    fn(pdf)
    out = io.BytesIO()
    pdf.save(out, **save)  # type: ignore[arg-type]
    return out.getvalue()


@functools.cache
def _deflated_zeros(decoded: int) -> bytes:
    z = zlib.compressobj(1)
    chunk = b"\0" * MB
    parts = [z.compress(chunk) for _ in range(decoded // MB)]
    parts.append(z.flush())
    return b"".join(parts)


def _bomb_stream(pdf: pikepdf.Pdf, decoded: int) -> pikepdf.Stream:
    """A Flate stream of ``decoded`` zero bytes (about a thousandth of that compressed)."""
    s = pikepdf.Stream(pdf, _deflated_zeros(decoded))
    s.Filter = pikepdf.Name.FlateDecode
    return s


def _action(pdf: pikepdf.Pdf, kind: str) -> pikepdf.Dictionary:
    if kind == "js":
        return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    return pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"), NewWindow=True)


# --- truncations and cross-reference damage -------------------------------------------------


def truncated_no_eof() -> bytes:
    data = base()
    return data[: len(data) // 2]


def truncated_half_with_eof() -> bytes:
    data = base()
    return data[: len(data) // 2] + b"\n%%EOF\n"


def truncated_90_with_eof() -> bytes:
    data = base()
    return data[: len(data) * 9 // 10] + b"\n%%EOF\n"


def startxref_wrong() -> bytes:
    data = base()
    return re.sub(rb"startxref\s+\d+", b"startxref\n123", data)


def startxref_missing() -> bytes:
    data = base()
    return re.sub(rb"startxref\s+\d+\s*", b"", data)


def xref_offsets_shifted() -> bytes:
    data = base()
    return re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m[1]) + 7), data)


def xref_table_removed() -> bytes:
    data = base()
    return re.sub(rb"xref\s.*?trailer", b"trailer", data, flags=re.S)


def xref_prev_loop() -> bytes:
    """An incremental update whose /Prev points at itself."""
    data = base()
    start = len(data)
    update = (
        b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 9 /Root 1 0 R /Prev %d >>\n"
        b"startxref\n%d\n%%%%EOF\n" % (start, start)
    )
    return data + update


def xref_stream_loop() -> bytes:
    data = _edit(lambda pdf: None, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    m = list(re.finditer(rb"startxref\s+(\d+)", data))[-1]
    off = int(m[1])
    return data.replace(b"/Type /XRef", b"/Type /XRef /Prev %d" % off, 1)


def trailer_size_too_small() -> bytes:
    return re.sub(rb"/Size \d+", b"/Size 2", base())


def garbage_after_eof() -> bytes:
    return base() + b"\n" + bytes(range(256)) * 8


def garbage_before_header() -> bytes:
    return b"JUNK" * 100 + base()


def stream_length_wrong() -> bytes:
    return re.sub(rb"/Length (\d+)", lambda m: b"/Length %d" % (int(m[1]) + 50), base())


def object_header_broken() -> bytes:
    return base().replace(b"3 0 obj", b"3 0 ojb", 1)


def not_a_pdf() -> bytes:
    return b"hello, this is not a PDF at all\n%%EOF\n"


def empty() -> bytes:
    return b""


def only_header() -> bytes:
    return b"%PDF-1.7\n%%EOF\n"


# --- bombs and sheer size --------------------------------------------------------------------


def flate_bomb_one_stream() -> bytes:
    def add(pdf: pikepdf.Pdf) -> None:
        pdf.pages[0].Contents = pdf.make_indirect(_bomb_stream(pdf, 300 * MB))

    return _edit(add)


def flate_bomb_many_streams() -> bytes:
    def add(pdf: pikepdf.Pdf) -> None:
        for page in pdf.pages:
            page.Contents = pdf.make_indirect(_bomb_stream(pdf, 200 * MB))
        pdf.Root.Extra = pdf.make_indirect(_bomb_stream(pdf, 200 * MB))

    return _edit(add)


def image_huge_dimensions() -> bytes:
    def add(pdf: pikepdf.Pdf) -> None:
        img = pikepdf.Stream(pdf, zlib.compress(b"\0" * 1000))
        img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        img.Width, img.Height, img.BitsPerComponent = 60000, 60000, 8
        img.ColorSpace, img.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.FlateDecode
        page = pdf.pages[0]
        page.Resources.XObject = pikepdf.Dictionary(Im0=pdf.make_indirect(img))
        page.Contents = pdf.make_stream(b"q 500 0 0 500 50 50 cm /Im0 Do Q")

    return _edit(add)


def too_many_pages() -> bytes:
    pdf = pikepdf.open(io.BytesIO(base(1)))
    for _ in range(2100):
        pdf.pages.append(pdf.pages[0])
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def deep_nesting_arrays() -> bytes:
    data = base()
    deep = b"[" * 5000 + b"]" * 5000
    return data.replace(b"/Type /Catalog", b"/Type /Catalog /Deep " + deep, 1)


def deep_nesting_dicts() -> bytes:
    data = base()
    deep = b"<< /A " * 3000 + b"1" + b" >>" * 3000
    return data.replace(b"/Type /Catalog", b"/Type /Catalog /Deep " + deep, 1)


def page_tree_loop() -> bytes:
    def loop(pdf: pikepdf.Pdf) -> None:
        pdf.Root.Pages.Kids.append(pdf.Root.Pages)
        pdf.Root.Pages.Count = 3

    return _edit(loop)


# --- odd boxes ---------------------------------------------------------------------------------


def _box(box: list[float], key: str = "/MediaBox", rotate: int | None = None) -> bytes:
    def set_box(pdf: pikepdf.Pdf) -> None:
        for page in pdf.pages:
            page.obj[key] = pikepdf.Array(box)
            if rotate is not None:
                page.obj.Rotate = rotate

    return _edit(set_box)


def box_zero_width() -> bytes:
    return _box([0, 0, 0, 792])


def box_zero_area() -> bytes:
    return _box([0, 0, 0, 0])


def box_negative() -> bytes:
    return _box([612, 792, 0, 0])


def box_negative_origin() -> bytes:
    return _box([-612, -792, 0, 0])


def box_huge() -> bytes:
    return _box([0, 0, 200000, 200000])


def box_strip() -> bytes:
    return _box([0, 0, 1, 14400])


def box_thin_tall() -> bytes:
    return _box([0, 0, 20, 14400])


def box_rotated_90() -> bytes:
    return _box([0, 0, 612, 792], rotate=90)


def box_rotated_odd() -> bytes:
    return _box([0, 0, 612, 792], rotate=45)


def box_rotated_negative() -> bytes:
    return _box([0, 0, 612, 792], rotate=-270)


def cropbox_outside_mediabox() -> bytes:
    return _box([1000, 1000, 1300, 1400], key="/CropBox")


def mediabox_missing() -> bytes:
    def drop(pdf: pikepdf.Pdf) -> None:
        for page in pdf.pages:
            del page.obj["/MediaBox"]

    return _edit(drop)


def mediabox_not_numbers() -> bytes:
    return base().replace(b"/MediaBox [ 0 0 612 792 ]", b"/MediaBox [ /a (b) 612 792 ]")


# --- encryption --------------------------------------------------------------------------------


def encrypted_user_password() -> bytes:
    return _edit(lambda pdf: None, encryption=pikepdf.Encryption(owner="o", user="secret"))


def encrypted_owner_only() -> bytes:
    return _edit(lambda pdf: None, encryption=pikepdf.Encryption(owner="o", user=""))


# --- active content ----------------------------------------------------------------------------


def open_action_javascript() -> bytes:
    return _edit(lambda pdf: setattr(pdf.Root, "OpenAction", _action(pdf, "js")))


def open_action_launch() -> bytes:
    return _edit(lambda pdf: setattr(pdf.Root, "OpenAction", _action(pdf, "launch")))


def open_action_chain() -> bytes:
    def chain(pdf: pikepdf.Pdf) -> None:
        first = pikepdf.Dictionary(
            S=pikepdf.Name.GoTo, D=pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
        )
        first.Next = _action(pdf, "js")
        pdf.Root.OpenAction = first

    return _edit(chain)


def catalog_additional_actions() -> bytes:
    return _edit(lambda pdf: setattr(pdf.Root, "AA", pikepdf.Dictionary(WC=_action(pdf, "js"))))


def page_additional_actions() -> bytes:
    def aa(pdf: pikepdf.Pdf) -> None:
        pdf.pages[0].obj.AA = pikepdf.Dictionary(O=_action(pdf, "launch"))

    return _edit(aa)


def names_javascript() -> bytes:
    def names(pdf: pikepdf.Pdf) -> None:
        js = pdf.make_indirect(_action(pdf, "js"))
        pdf.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), js]))
        )

    return _edit(names)


def link_annotation_javascript() -> bytes:
    def annot(pdf: pikepdf.Pdf) -> None:
        a = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 100, 100],
            A=_action(pdf, "js"),
        )
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(a)]))

    return _edit(annot)


def link_annotation_uri() -> bytes:
    def annot(pdf: pikepdf.Pdf) -> None:
        uri = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.com"))
        a = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 100, 100], A=uri
        )
        pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(a)])

    return _edit(annot)


def form_field_scripts() -> bytes:
    def form(pdf: pikepdf.Pdf) -> None:
        widget = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Widget,
                FT=pikepdf.Name.Tx,
                T=pikepdf.String("name"),
                Rect=[50, 50, 250, 80],
                AA=pikepdf.Dictionary(K=_action(pdf, "js"), F=_action(pdf, "js")),
                P=pdf.pages[0].obj,
            )
        )
        pdf.pages[0].obj.Annots = pikepdf.Array([widget])
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([widget]))

    return _edit(form)


def xfa_form() -> bytes:
    def xfa(pdf: pikepdf.Pdf) -> None:
        packet = pdf.make_stream(b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>")
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=packet)

    return _edit(xfa)


def embedded_file() -> bytes:
    def attach(pdf: pikepdf.Pdf) -> None:
        pdf.attachments["evil.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ" + b"\0" * 100)

    return _edit(attach)


def file_attachment_annotation() -> bytes:
    def annot(pdf: pikepdf.Pdf) -> None:
        spec = pikepdf.AttachedFileSpec(pdf, b"MZ" + b"\0" * 100, filename="evil.exe")
        a = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.FileAttachment,
            Rect=[0, 0, 20, 20],
            FS=spec.obj,
        )
        pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(a)])

    return _edit(annot)


def outline_javascript() -> bytes:
    def outline(pdf: pikepdf.Pdf) -> None:
        item = pdf.make_indirect(
            pikepdf.Dictionary(Title=pikepdf.String("Click"), A=_action(pdf, "js"))
        )
        outlines = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=item, Last=item, Count=1)
        )
        item.Parent = outlines
        pdf.Root.Outlines = outlines

    return _edit(outline)


# --- structure variants that are valid ---------------------------------------------------------


def clean() -> bytes:
    return base()


def object_streams() -> bytes:
    return _edit(lambda pdf: None, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def linearized() -> bytes:
    return _edit(lambda pdf: None, linearize=True)


def incremental_update() -> bytes:
    data = base()
    pdf = pikepdf.open(io.BytesIO(data))
    pdf.Root.Extra = pikepdf.String("updated")
    out = io.BytesIO()
    pdf.save(out)
    # A hand-made incremental section: the catalog again, with a /Prev to the first xref.
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    catalog = re.search(rb"(\d+) 0 obj\s*<<[^>]*?/Type /Catalog", data)
    assert catalog
    num = int(catalog[1])
    obj_off = len(data)
    body = b"%d 0 obj\n<< /Type /Catalog /Pages " % num
    pages_ref = re.search(rb"/Type /Catalog[^>]*?/Pages (\d+ 0 R)", data) or re.search(
        rb"/Pages (\d+ 0 R)", data
    )
    assert pages_ref
    body += pages_ref[1] + b" /Lang (en) >>\nendobj\n"
    size = int(re.search(rb"/Size (\d+)", data)[1])  # type: ignore[index]
    xref_off = obj_off + len(body)
    xref = b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (num, obj_off)
    trailer = b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        num,
        prev,
        xref_off,
    )
    return data + body + xref + trailer


def pdf_2_0() -> bytes:
    return base().replace(b"%PDF-1.4", b"%PDF-2.0", 1)


def uncompressed() -> bytes:
    return _edit(lambda pdf: None, compress_streams=False)


def many_small_pages() -> bytes:
    return base(300, (200, 200))


def landscape_and_portrait_mixed() -> bytes:
    def rotate(pdf: pikepdf.Pdf) -> None:
        pdf.pages[1].obj.MediaBox = pikepdf.Array([0, 0, 792, 612])

    return _edit(rotate)


KINDS: dict[str, Callable[[], bytes]] = {
    fn.__name__: fn
    for fn in (
        clean,
        truncated_no_eof,
        truncated_half_with_eof,
        truncated_90_with_eof,
        startxref_wrong,
        startxref_missing,
        xref_offsets_shifted,
        xref_table_removed,
        xref_prev_loop,
        xref_stream_loop,
        trailer_size_too_small,
        garbage_after_eof,
        garbage_before_header,
        stream_length_wrong,
        object_header_broken,
        not_a_pdf,
        empty,
        only_header,
        flate_bomb_one_stream,
        flate_bomb_many_streams,
        image_huge_dimensions,
        too_many_pages,
        deep_nesting_arrays,
        deep_nesting_dicts,
        page_tree_loop,
        box_zero_width,
        box_zero_area,
        box_negative,
        box_negative_origin,
        box_huge,
        box_strip,
        box_thin_tall,
        box_rotated_90,
        box_rotated_odd,
        box_rotated_negative,
        cropbox_outside_mediabox,
        mediabox_missing,
        mediabox_not_numbers,
        encrypted_user_password,
        encrypted_owner_only,
        open_action_javascript,
        open_action_launch,
        open_action_chain,
        catalog_additional_actions,
        page_additional_actions,
        names_javascript,
        link_annotation_javascript,
        link_annotation_uri,
        form_field_scripts,
        xfa_form,
        embedded_file,
        file_attachment_annotation,
        outline_javascript,
        object_streams,
        linearized,
        incremental_update,
        pdf_2_0,
        uncompressed,
        many_small_pages,
        landscape_and_portrait_mixed,
    )
}
# Kinds that must come out with no script, launch action or attachment left.
ACTIVE = {
    "open_action_javascript",
    "open_action_launch",
    "open_action_chain",
    "catalog_additional_actions",
    "page_additional_actions",
    "names_javascript",
    "link_annotation_javascript",
    "form_field_scripts",
    "xfa_form",
    "embedded_file",
    "file_attachment_annotation",
    "outline_javascript",
}
# Kinds that must be refused: damaged past repair, not a PDF, encrypted, or over a limit.
REFUSED = {
    "truncated_no_eof",
    "truncated_half_with_eof",
    "xref_prev_loop",
    "garbage_after_eof",
    "deep_nesting_arrays",
    "deep_nesting_dicts",
    "page_tree_loop",
    "box_thin_tall",
    "not_a_pdf",
    "empty",
    "only_header",
    "flate_bomb_one_stream",
    "flate_bomb_many_streams",
    "image_huge_dimensions",
    "too_many_pages",
    "box_zero_width",
    "box_zero_area",
    "box_huge",
    "box_strip",
    "encrypted_user_password",
    "encrypted_owner_only",
}
