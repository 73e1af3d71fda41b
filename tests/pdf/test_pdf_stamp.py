"""Stamping filled values onto pages: where they land, what a reader sees and extracts."""

from __future__ import annotations

import io
import unicodedata

import pikepdf
import pypdfium2 as pdfium
import pytest
from pdf_factories import (
    create_broken_png,
    create_pdf,
    create_png,
    dark_bbox,
    data_uri,
    page_text,
    render,
)
from PIL import Image
from reportlab.lib.pagesizes import A4

from signet.pdf import fonts
from signet.pdf.evidence import StampValue
from signet.pdf.stamp import StampError, append_pdf, format_date, stamp_pdf, stamp_values

W, H = A4


def _char_boxes(pdf: bytes, page: int = 0) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(character, (left, bottom, right, top)) in page points for every non-space char."""
    document = pdfium.PdfDocument(pdf)
    textpage = document[page].get_textpage()
    boxes = []
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if char.strip():
            boxes.append((char, textpage.get_charbox(i)))
    document.close()
    return boxes


def _field_rect(v: StampValue, width: float = W, height: float = H) -> tuple[float, ...]:
    """The field in PDF points, bottom-left origin, for an unrotated page."""
    left = v.x / 100 * width
    right = (v.x + v.width) / 100 * width
    top = height - v.y / 100 * height
    bottom = height - (v.y + v.height) / 100 * height
    return left, bottom, right, top


def _pixel_rect(v: StampValue, image_size: tuple[int, int]) -> tuple[float, float, float, float]:
    """The field in rendered pixels (top-left origin), as a viewer displays the page."""
    iw, ih = image_size
    return (
        v.x / 100 * iw,
        v.y / 100 * ih,
        (v.x + v.width) / 100 * iw,
        (v.y + v.height) / 100 * ih,
    )


def _inside(box: tuple[float, ...], rect: tuple[float, ...], slack: float = 1.0) -> bool:
    return (
        box[0] >= rect[0] - slack
        and box[1] >= rect[1] - slack
        and box[2] <= rect[2] + slack
        and box[3] <= rect[3] + slack
    )


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_text_lands_inside_its_field() -> None:
    value = StampValue(1, 10, 20, 30, 5, "text", "Signed by Jane")
    out = stamp_values(create_pdf(label=None), [value])
    boxes = _char_boxes(out)
    assert "".join(c for c, _ in boxes) == "SignedbyJane"
    rect = _field_rect(value)
    for char, box in boxes:
        assert _inside(box, rect), (char, box, rect)


def test_text_sits_at_the_left_of_its_field_and_centred_vertically() -> None:
    value = StampValue(1, 50, 50, 40, 4, "text", "x")
    out = stamp_values(create_pdf(label=None), [value])
    [(_, (left, bottom, _right, top))] = _char_boxes(out)
    field = _field_rect(value)
    assert left - field[0] < 4
    middle = (field[1] + field[3]) / 2
    assert abs((bottom + top) / 2 - middle) < 3


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_image_fills_its_field_as_displayed_on_rotated_pages(rotate: int) -> None:
    value = StampValue(1, 10, 15, 30, 6, "signature", data_uri(create_png(300, 60)))
    out = stamp_values(create_pdf(label=None, rotate=[rotate]), [value])
    image = render(out)
    expected = (H, W) if rotate in (90, 270) else (W, H)
    assert abs(image.size[0] - expected[0]) <= 1 and abs(image.size[1] - expected[1]) <= 1
    found = dark_bbox(image)
    assert found is not None
    field = _pixel_rect(value, image.size)
    assert _inside(found, field, slack=2), (found, field)
    # The 5:1 picture keeps its aspect ratio and fills the 5:1-ish box's width or height.
    filled_w = (found[2] - found[0]) / (field[2] - field[0])
    filled_h = (found[3] - found[1]) / (field[3] - field[1])
    assert max(filled_w, filled_h) > 0.85


@pytest.mark.parametrize("rotate", [90, 270])
def test_text_reads_upright_on_rotated_pages(rotate: int) -> None:
    value = StampValue(1, 5, 5, 60, 4, "text", "HORIZONTAL TEXT HERE")
    out = stamp_values(create_pdf(label=None, rotate=[rotate]), [value])
    image = render(out)
    found = dark_bbox(image)
    assert found is not None
    assert _inside(found, _pixel_rect(value, image.size), slack=2)
    assert found[2] - found[0] > 4 * (found[3] - found[1])  # a line, not a column


def test_positions_follow_the_cropbox() -> None:
    pdf = create_pdf(label=None, cropbox=(100, 150, 400, 650))
    value = StampValue(1, 0, 0, 50, 10, "stamp", data_uri(create_png(150, 50)))
    out = stamp_values(pdf, [value])
    image = render(out)
    assert image.size == (300, 500)
    found = dark_bbox(image)
    assert found is not None
    assert _inside(found, _pixel_rect(value, image.size), slack=2), found


def test_rotation_and_page_box_inherited_from_the_page_tree_are_respected() -> None:
    pdf = pikepdf.open(io.BytesIO(create_pdf(2, label=None)))
    for page in pdf.pages:
        for key in ("/MediaBox", "/Rotate"):
            if key in page.obj:
                del page.obj[key]
    pdf.Root.Pages.MediaBox = pikepdf.Array([0, 0, 400, 200])
    pdf.Root.Pages.Rotate = 90
    buf = io.BytesIO()
    pdf.save(buf)
    value = StampValue(2, 50, 80, 40, 15, "signature", data_uri(create_png(100, 40)))
    out = stamp_values(buf.getvalue(), [value])
    image = render(out, page=1)
    assert image.size == (200, 400)
    found = dark_bbox(image)
    assert found is not None
    assert _inside(found, _pixel_rect(value, image.size), slack=2), found


_EVERY_TYPE = [
    ("signature", data_uri(create_png())),
    ("initial", data_uri(create_png(60, 60))),
    ("approval_signature", data_uri(create_png())),
    ("stamp", data_uri(create_png(80, 80))),
    ("text", "Hello"),
    ("text_area", "First line\nSecond line"),
    ("number", "1234.5"),
    ("date", "2026-11-21"),
    ("approval_date", "2026-11-21"),
    ("checkbox", "true"),
    ("checkbox", "false"),
    ("approval_checkmark", "true"),
    ("radio_buttons", "true"),
    ("radio_buttons", "false"),
    ("dropdown", "Option B"),
    ("url", "https://example.com/terms"),
    ("file", "invoice.pdf"),
]


@pytest.mark.parametrize(("kind", "raw"), _EVERY_TYPE)
def test_every_field_type_draws_inside_its_field(kind: str, raw: str) -> None:
    value = StampValue(1, 20, 30, 24 if "check" not in kind else 4, 6, kind, raw)
    out = stamp_values(create_pdf(label=None), [value])
    image = render(out)
    found = dark_bbox(image, threshold=200)
    assert found is not None, f"{kind} drew nothing"
    assert _inside(found, _pixel_rect(value, image.size), slack=2), (kind, found)


def _ink(image: Image.Image) -> int:
    return sum(image.convert("L").histogram()[:128])


def test_checked_checkbox_shows_a_tick_and_unchecked_an_empty_box() -> None:
    checked = StampValue(1, 10, 10, 5, 5, "checkbox", "true")
    unchecked = StampValue(1, 20, 10, 5, 5, "checkbox", "false")
    image = render(stamp_values(create_pdf(label=None), [checked, unchecked]), scale=2)
    a = image.crop(_pixel_rect(checked, image.size))
    b = image.crop(_pixel_rect(unchecked, image.size))
    assert _ink(a) > 2 * _ink(b) > 0


def test_selected_radio_button_has_a_filled_dot() -> None:
    on = StampValue(1, 10, 10, 4, 4, "radio_buttons", "true")
    off = StampValue(1, 20, 10, 4, 4, "radio_buttons", "false")
    image = render(stamp_values(create_pdf(label=None), [on, off]), scale=2)

    def centre(v: StampValue) -> int:
        r = _pixel_rect(v, image.size)
        value = image.convert("L").getpixel((int((r[0] + r[2]) / 2), int((r[1] + r[3]) / 2)))
        assert isinstance(value, int)
        return value

    assert centre(on) < 80
    assert centre(off) > 200


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        (None, "11/21/2026"),
        ("MM/dd/yyyy", "11/21/2026"),
        ("dd/MM/yyyy", "21/11/2026"),
        ("yyyy-MM-dd", "2026-11-21"),
        ("MMMM dd, yyyy", "November 21, 2026"),
        ("MMM dd, yyyy", "Nov 21, 2026"),
        ("dd MMMM yyyy", "21 November 2026"),
    ],
)
def test_dates_are_shown_in_the_field_format(fmt: str | None, shown: str) -> None:
    assert format_date("2026-11-21", fmt) == shown
    value = StampValue(1, 10, 10, 40, 4, "date", "2026-11-21", date_format=fmt)
    assert shown in page_text(stamp_values(create_pdf(label=None), [value]))


def test_an_uploaded_pdf_file_is_noted_not_dumped_as_base64() -> None:
    value = StampValue(1, 10, 10, 40, 4, "file", "data:application/pdf;base64,JVBERi0xLjQK")
    text = page_text(stamp_values(create_pdf(label=None), [value]))
    assert "Attached file (application/pdf)" in text
    assert "JVBERi" not in text


def test_a_value_that_is_not_an_iso_date_is_stamped_as_typed() -> None:
    assert format_date("next Tuesday", "yyyy-MM-dd") == "next Tuesday"


NON_LATIN = {
    "turkish": "Ağır Işık Gözlük Şeker İstanbul ğüşıöç",
    "greek": "Ελένη Παπαδοπούλου",
    "cyrillic": "Иван Петрович Сидоров",
    "arabic": "محمد عبد الله",
    "arabic_lam_alef": "السلام عليكم لا إله",  # required ligatures: glyphs with no character
    "persian": "پرویز چگینی",
    "hebrew": "שלום עולם",
    "chinese": "王小明签署了合同",
    "japanese": "山田太郎 ひらがな カタカナ",
    "korean": "김민준 한국어 서명",
    "devanagari": "नमस्ते दुनिया",
    "thai": "สวัสดีครับ",
    "emoji_outside_bmp": "OK 😀",
}


@pytest.mark.parametrize("script", sorted(NON_LATIN))
def test_text_in_any_script_is_extractable_from_the_stamped_pdf(script: str) -> None:
    text = NON_LATIN[script]
    value = StampValue(1, 10, 10, 60, 5, "text", text)
    extracted = page_text(stamp_values(create_pdf(label=None), [value]))
    assert _normalise(text) in _normalise(extracted)


def test_arabic_letters_are_joined_when_shaping_is_available() -> None:
    if not fonts.shaping_available():
        pytest.skip("uharfbuzz is not installed")
    line = fonts.layout_line("محمد")
    drawn = "".join(str(s.text) for s in line.segments)
    # Joined letters are drawn with their initial/medial/final forms.
    assert any(0xFE70 <= ord(c) <= 0xFEFF for c in drawn)


def test_right_to_left_text_is_aligned_to_the_right_of_its_field() -> None:
    value = StampValue(1, 10, 10, 60, 5, "text", "שלום")
    boxes = _char_boxes(stamp_values(create_pdf(label=None), [value]))
    right_edge = _field_rect(value)[2]
    assert max(box[2] for _, box in boxes) > right_edge - 6
    assert min(box[0] for _, box in boxes) > _field_rect(value)[0] + 100


def test_explicit_font_size_is_used() -> None:
    value = StampValue(1, 10, 10, 80, 8, "text", "Big", font_size=20)
    document = pdfium.PdfDocument(stamp_values(create_pdf(label=None), [value]))
    textpage = document[0].get_textpage()
    size = pdfium.raw.FPDFText_GetFontSize(textpage.raw, 0)
    assert size == pytest.approx(20, abs=0.5)


def test_long_text_shrinks_to_stay_inside_a_small_field() -> None:
    text = "A rather long company name that cannot fit in a narrow field at twelve points"
    value = StampValue(1, 10, 10, 20, 3, "text", text)
    out = stamp_values(create_pdf(label=None), [value])
    assert _normalise(text) in _normalise(page_text(out))
    for char, box in _char_boxes(out):
        assert _inside(box, _field_rect(value), slack=1.5), char


def test_text_area_wraps_lines_inside_its_field() -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 6 + "\nLast paragraph."
    value = StampValue(1, 10, 10, 40, 20, "text_area", text)
    out = stamp_values(create_pdf(label=None), [value])
    extracted = page_text(out)
    assert len(extracted.splitlines()) >= 4
    assert _normalise(text) == _normalise(extracted)
    for char, box in _char_boxes(out):
        assert _inside(box, _field_rect(value)), char


def test_url_shows_its_text_and_links_to_the_address() -> None:
    value = StampValue(1, 10, 10, 30, 4, "url", "https://example.com/t", url_text="Our terms")
    out = stamp_values(create_pdf(label=None), [value])
    assert "Our terms" in page_text(out)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        [annot] = pdf.pages[0].obj.Annots
        assert annot.Subtype == pikepdf.Name.Link
        assert str(annot.A.URI) == "https://example.com/t"
        left, bottom, right, top = (float(v) for v in annot.Rect)
    assert _inside((left, bottom, right, top), _field_rect(value), slack=0.5)


def test_pages_without_values_are_left_as_they_were() -> None:
    original = create_pdf(20)
    value = StampValue(5, 10, 10, 30, 5, "text", "only here")
    out = stamp_values(original, [value])
    with pikepdf.open(io.BytesIO(original)) as before, pikepdf.open(io.BytesIO(out)) as after:
        for number in range(20):
            old, new = before.pages[number], after.pages[number]
            stamped = b"SignetStamp" in b"".join(s.read_bytes() for s in _contents(new))
            assert stamped == (number == 4)
            if number != 4:
                assert new.obj.Contents.read_bytes() == old.obj.Contents.read_bytes()
                assert "/SignetStamp" not in new.obj.Resources.get("/XObject", {})
    assert "only here" in page_text(out, 4)


def _contents(page: pikepdf.Page) -> list[pikepdf.Object]:
    contents = page.obj.Contents
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def test_a_resources_dictionary_shared_by_pages_does_not_carry_the_stamp_to_them() -> None:
    pdf = pikepdf.open(io.BytesIO(create_pdf(2)))
    shared = pdf.make_indirect(pdf.pages[0].obj.Resources)
    for page in pdf.pages:
        page.obj.Resources = shared
    buf = io.BytesIO()
    pdf.save(buf)
    out = stamp_values(buf.getvalue(), [StampValue(1, 10, 10, 30, 5, "text", "first")])
    with pikepdf.open(io.BytesIO(out)) as result:
        second = result.pages[1].obj.Resources
        assert "/SignetStamp" not in second.get("/XObject", {})
        assert "/SignetStamp" in result.pages[0].obj.Resources.XObject
    assert "first" not in page_text(out, 1)


def test_original_graphics_state_cannot_move_the_stamp() -> None:
    # A page whose content leaves a transform in force (no closing Q) must not shift the stamp.
    pdf = pikepdf.open(io.BytesIO(create_pdf(label=None)))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"q 0.5 0 0 0.5 300 300 cm")
    buf = io.BytesIO()
    pdf.save(buf)
    value = StampValue(1, 10, 10, 30, 6, "signature", data_uri(create_png(300, 60)))
    image = render(stamp_values(buf.getvalue(), [value]))
    found = dark_bbox(image)
    assert found is not None
    assert _inside(found, _pixel_rect(value, image.size), slack=2)


def test_a_page_without_content_can_be_stamped() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 300))
    buf = io.BytesIO()
    pdf.save(buf)
    out = stamp_values(buf.getvalue(), [StampValue(1, 10, 10, 50, 10, "text", "on blank")])
    assert "on blank" in page_text(out)


def test_one_signature_used_on_many_pages_is_embedded_once() -> None:
    sig = data_uri(create_png(400, 100))
    values = [StampValue(p, 10, 80, 30, 6, "signature", sig) for p in range(1, 11)]
    out = stamp_values(create_pdf(10), values)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        images = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]
    assert len(images) == 1


def test_stamp_and_certificate_are_saved_in_one_pass() -> None:
    certificate = create_pdf(2, label="Certificate page")
    out = stamp_values(create_pdf(3), [StampValue(3, 10, 10, 30, 5, "text", "v")], certificate)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert len(pdf.pages) == 5
    assert "Certificate page 1" in page_text(out, 3)
    assert "v" in page_text(out, 2)


def test_append_pdf_returns_the_index_of_the_first_appended_page() -> None:
    with pikepdf.open(io.BytesIO(create_pdf(4))) as pdf:
        assert append_pdf(pdf, create_pdf(2, label="Appendix")) == 4
        assert len(pdf.pages) == 6
        buf = io.BytesIO()
        pdf.save(buf)
    assert "Appendix 2" in page_text(buf.getvalue(), 5)


def test_stamp_pdf_reports_how_many_pages_it_touched() -> None:
    with pikepdf.open(io.BytesIO(create_pdf(6))) as pdf:
        values = [StampValue(p, 1, 1, 10, 3, "text", "x") for p in (2, 2, 5)]
        assert stamp_pdf(pdf, values) == 2
        assert stamp_pdf(pdf, []) == 0


def test_a_value_past_the_last_page_is_refused() -> None:
    with pytest.raises(StampError, match="page 3"):
        stamp_values(create_pdf(2), [StampValue(3, 1, 1, 10, 3, "text", "x")])


def test_unreadable_image_data_is_refused() -> None:
    bad = StampValue(1, 1, 1, 10, 3, "signature", "data:image/png;base64,bm90IGEgcG5n")
    with pytest.raises(StampError, match="image"):
        stamp_values(create_pdf(), [bad])
    broken = StampValue(1, 1, 1, 10, 3, "signature", data_uri(create_broken_png()))
    with pytest.raises(StampError, match="image"):
        stamp_values(create_pdf(), [broken])
    with pytest.raises(StampError, match="data URI"):
        stamp_values(create_pdf(), [StampValue(1, 1, 1, 10, 3, "signature", "hello")])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "payment"}, "Unknown field type"),
        ({"page_number": 0}, "page_number"),
        ({"x": 90, "width": 20}, "stay on the page"),
        ({"height": 0}, "width and height"),
        ({"date_format": "dd.MM.yyyy"}, "date_format"),
        ({"font_size": 60}, "font_size"),
    ],
)
def test_stamp_value_rejects_what_the_api_would_refuse(kwargs: dict, message: str) -> None:
    base = {"page_number": 1, "x": 1, "y": 1, "width": 10, "height": 3, "type": "text"}
    with pytest.raises(ValueError, match=message):
        StampValue(**{**base, **kwargs, "value": "v"})
