"""Each reportlab behaviour that ``pdf/reportlab_internals.py`` relies on beyond its public API.

When one of these fails after a reportlab upgrade, that module's docstring says what to do.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

import pikepdf
from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from signet.pdf import font_files, reportlab_internals
from signet.pdf.fonts import REGULAR, ensure_fonts_registered
from signet.pdf.reportlab_internals import (
    binary_streams,
    draw_encoded_image,
    embedded_font_name,
    font_code_points,
    install_to_unicode_cmap,
    shape_run,
    shaped_advance,
    shaping_available,
)


@dataclass(frozen=True)
class _Image:
    key: str
    width: int
    height: int
    color_space: str
    data: bytes
    filter: str
    alpha: bytes | None = None
    inverted: bool = False


def _text_pdf(text: str, font: str = REGULAR) -> bytes:
    ensure_fonts_registered()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(200, 100))
    canvas.setFont(font, 12)
    canvas.drawString(10, 50, text)
    canvas.save()
    return out.getvalue()


def test_reportlab_builds_each_embedded_subsets_tounicode_map_through_the_hook() -> None:
    calls: list[tuple[str, list[int]]] = []

    def recording(fontname: str, subset: object) -> str:
        calls.append((fontname, list(subset)))  # type: ignore[call-overload]
        return font_files._to_unicode_cmap(fontname, subset)  # type: ignore[arg-type]

    ensure_fonts_registered()
    previous = install_to_unicode_cmap(recording)
    try:
        pdf = _text_pdf("Hello")
    finally:
        install_to_unicode_cmap(previous)
    assert previous is font_files._to_unicode_cmap  # what ensure_fonts_registered installed
    assert calls, "reportlab no longer calls ttfonts.makeToUnicodeCMap"
    name, subset = calls[0]
    assert name.split("+", 1)[-1] == embedded_font_name(REGULAR)
    assert {ord(c) for c in "Hello"} <= set(subset)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        maps = [
            o["/ToUnicode"].read_bytes().decode()
            for o in doc.objects
            if isinstance(o, pikepdf.Dictionary) and "/ToUnicode" in o
        ]
    assert font_files._to_unicode_cmap(name, subset) in maps


def test_the_embedded_font_name_is_the_one_in_the_pdf() -> None:
    pdf = _text_pdf("Name")
    base_fonts = re.findall(rb"/BaseFont /([A-Z]{6}\+)?([^\s/>]+)", pdf)
    assert embedded_font_name(REGULAR).encode() in {name for _, name in base_fonts}


def test_a_fonts_code_points_are_its_characters() -> None:
    ensure_fonts_registered()
    from reportlab.pdfbase import pdfmetrics

    codes = font_code_points(pdfmetrics.getFont(REGULAR))
    assert {ord(c) for c in "Aaé€"} <= codes
    assert 0x05D0 not in codes  # Hebrew alef: drawn by another face of the chain
    assert not any(0xE000 <= c <= 0xF8FF for c in codes)


def test_binary_streams_turn_ascii85_off_and_back_on() -> None:
    image = _Image(
        "k1", 2, 1, "DeviceRGB", zlib.compress(b"\xff\x00\x00\x00\x00\xff"), "FlateDecode"
    )

    def page() -> bytes:
        out = io.BytesIO()
        canvas = Canvas(out, pagesize=(20, 10))
        draw_encoded_image(canvas, image, 0, 0, 20, 10)
        canvas.save()
        return out.getvalue()

    before = rl_config.useA85
    with binary_streams():
        binary = page()
    assert rl_config.useA85 == before
    assert b"ASCII85Decode" not in binary
    if before:  # reportlab's default: ASCII85 everywhere
        assert b"ASCII85Decode" in page()


def test_an_encoded_image_is_registered_once_and_placed_each_time() -> None:
    samples = b"\x00\x00\xff" * 4
    alpha = zlib.compress(b"\xff\x00\xff\x00")
    image = _Image("pic", 2, 2, "DeviceRGB", zlib.compress(samples), "FlateDecode", alpha)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(100, 50))
    with binary_streams():
        draw_encoded_image(canvas, image, 0, 0, 40, 20)
        draw_encoded_image(canvas, image, 50, 10, 40, 20)
        canvas.save()
    with pikepdf.open(io.BytesIO(out.getvalue())) as doc:
        [page] = doc.pages
        xobjects = page.Resources.XObject
        assert len(xobjects.keys()) == 1
        [(name, xobject)] = list(xobjects.items())
        assert (int(xobject.Width), int(xobject.Height)) == (2, 2)
        assert str(xobject.ColorSpace) == "/DeviceRGB" and xobject.read_bytes() == samples
        assert zlib.decompress(xobject.SMask.read_raw_bytes()) == b"\xff\x00\xff\x00"
        content = page.Contents.read_bytes()
        assert content.count(f"{name} Do".encode()) == 2
        assert b"40 0 0 20 50 10 cm" in content


def test_an_inverted_cmyk_image_gets_an_inverting_decode_array() -> None:
    image = _Image("cmyk", 1, 1, "DeviceCMYK", b"jpeg bytes", "DCTDecode", inverted=True)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(10, 10))
    draw_encoded_image(canvas, image, 0, 0, 10, 10)
    canvas.save()
    with pikepdf.open(io.BytesIO(out.getvalue())) as doc:
        [xobject] = list(doc.pages[0].Resources.XObject.values())
        assert [int(v) for v in xobject.Decode] == [1, 0] * 4
        assert [str(f) for f in xobject.Filter] == ["/DCTDecode"]


def test_harfbuzz_shaping_gives_glyphs_clusters_and_advances() -> None:
    ensure_fonts_registered()
    assert shaping_available()  # uharfbuzz is a declared dependency
    text = "سلام"
    run = shape_run(text, "SignetArabic", {"kern": True, "liga": False})
    assert len(run.text) == len(run.clusters) == len(run.advances) > 0
    assert set(run.clusters) <= set(range(len(text)))
    assert run.text != text  # joined forms, in visual order
    advance = shaped_advance(run.text)
    assert advance is not None and advance == sum(run.advances) > 0
    assert shaped_advance("plain") is None


def test_the_module_is_the_only_one_reaching_into_reportlab() -> None:
    # What "confined" means here: no other module of signet uses these names.
    import pathlib

    src = pathlib.Path(reportlab_internals.__file__).parent.parent
    private = re.compile(
        r"\._doc\b|\._code\b|_formsinuse|__shapeData__|rl_config|makeToUnicodeCMap|"
        r"shapeFragWord|ttfonts\.uharfbuzz|charToGlyph|subfontNameX|PDFImageXObject"
    )
    offenders = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if path.name != "reportlab_internals.py" and private.search(path.read_text())
    ]
    assert offenders == []
