"""Incremental stamping draws what the rewriting path draws, where it draws it."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable

import pikepdf
import pypdfium2 as pdfium
import pytest
from pdf_factories import create_pdf, create_png, dark_bbox, data_uri, page_text, render
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib.pagesizes import A4

from signet.pdf.evidence import StampValue
from signet.pdf.stamp import stamp_values

Sealer = Callable[..., bytes]  # the ``seal`` fixture
W, H = A4
Box = tuple[float, float, float, float]


def _char_boxes(pdf: bytes, page: int = 0) -> list[tuple[str, Box]]:
    """(character, (left, bottom, right, top)) in the page's user space, spaces left out."""
    document = pdfium.PdfDocument(pdf)
    textpage = document[page].get_textpage()
    boxes = []
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if char.strip():
            boxes.append((char, textpage.get_charbox(i)))
    document.close()
    return boxes


def _user_rect(v: StampValue, rotate: int, origin: tuple[float, float], size: Box) -> Box:
    """The field in user space, worked out by hand for each /Rotate (not with stamp.py's code).

    ``size`` is (width, height) of the visible box before rotation; ``origin`` its corner.
    """
    w, h = size[0], size[1]
    dw, dh = (h, w) if rotate in (90, 270) else (w, h)
    left, right = v.x / 100 * dw, (v.x + v.width) / 100 * dw
    top, bottom = dh - v.y / 100 * dh, dh - (v.y + v.height) / 100 * dh
    to_user = {
        0: lambda x, y: (x, y),
        90: lambda x, y: (w - y, x),
        180: lambda x, y: (w - x, h - y),
        270: lambda x, y: (y, h - x),
    }[rotate]
    corners = [to_user(x, y) for x in (left, right) for y in (bottom, top)]
    xs = [c[0] + origin[0] for c in corners]
    ys = [c[1] + origin[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _pixel_rect(v: StampValue, image_size: tuple[int, int]) -> Box:
    iw, ih = image_size
    return v.x / 100 * iw, v.y / 100 * ih, (v.x + v.width) / 100 * iw, (v.y + v.height) / 100 * ih


def _inside(box: Box, rect: Box, slack: float = 1.0) -> bool:
    return (
        box[0] >= rect[0] - slack
        and box[1] >= rect[1] - slack
        and box[2] <= rect[2] + slack
        and box[3] <= rect[3] + slack
    )


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_text_lands_in_its_field_on_rotated_pages(seal: Sealer, rotate: int) -> None:
    value = StampValue(1, 10, 20, 40, 5, "text", "Signed by Jane")
    original = create_pdf(label=None, rotate=[rotate])
    out = seal(original, [value])
    boxes = _char_boxes(out)
    assert "".join(c for c, _ in boxes) == "SignedbyJane"
    rect = _user_rect(value, rotate, (0, 0), (W, H, 0, 0))
    for char, box in boxes:
        assert _inside(box, rect), (char, box, rect)
    # Exactly where the rewriting path puts it.
    expected = _char_boxes(stamp_values(original, [value]))
    for (_, got), (_, want) in zip(boxes, expected, strict=True):
        assert got == pytest.approx(want, abs=0.01)


def test_text_lands_in_its_field_on_a_cropbox_offset_page(seal: Sealer) -> None:
    original = create_pdf(label=None, cropbox=(100, 150, 400, 650))
    value = StampValue(1, 5, 40, 80, 6, "text", "Cropped page")
    out = seal(original, [value])
    rect = _user_rect(value, 0, (100, 150), (300, 500, 0, 0))
    boxes = _char_boxes(out)
    assert boxes
    for char, box in boxes:
        assert _inside(box, rect), (char, box, rect)


@pytest.mark.parametrize("rotate", [90, 270])
def test_text_on_a_rotated_cropbox_page_matches_the_rewriting_path(
    seal: Sealer, rotate: int
) -> None:
    original = create_pdf(label=None, rotate=[rotate], cropbox=(50, 60, 450, 700))
    value = StampValue(1, 10, 70, 50, 5, "date", "2026-11-21", date_format="dd MMMM yyyy")
    out = seal(original, [value])
    assert "21 November 2026" in page_text(out)
    rect = _user_rect(value, rotate, (50, 60), (400, 640, 0, 0))
    boxes = _char_boxes(out)
    assert all(_inside(box, rect) for _, box in boxes)
    expected = _char_boxes(stamp_values(original, [value]))
    assert [v for _, b in boxes for v in b] == pytest.approx(
        [v for _, b in expected for v in b], abs=0.01
    )


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_image_fills_its_field_as_displayed(seal: Sealer, rotate: int) -> None:
    value = StampValue(1, 10, 15, 30, 6, "signature", data_uri(create_png(300, 60)))
    out = seal(create_pdf(label=None, rotate=[rotate]), [value])
    image = render(out)
    found = dark_bbox(image)
    assert found is not None
    field = _pixel_rect(value, image.size)
    assert _inside(found, field, slack=2), (found, field)
    # The 5:1 picture keeps its aspect ratio and fills the box's width or height.
    filled_w = (found[2] - found[0]) / (field[2] - field[0])
    filled_h = (found[3] - found[1]) / (field[3] - field[1])
    assert max(filled_w, filled_h) > 0.85


def test_rotation_and_boxes_inherited_from_the_page_tree(seal: Sealer) -> None:
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
    certificate = create_pdf(1, label="Certificate page")
    out = seal(buf.getvalue(), [value], certificate)
    image = render(out, page=1)
    assert image.size == (200, 400)
    found = dark_bbox(image)
    assert found is not None
    assert _inside(found, _pixel_rect(value, image.size), slack=2), found
    # The certificate page does not pick up the tree's /Rotate or MediaBox.
    size = render(out, page=2).size
    assert abs(size[0] - W) <= 1 and abs(size[1] - H) <= 1, size


def test_typed_signature_text_layer_is_extractable(seal: Sealer) -> None:
    value = StampValue(
        1, 10, 10, 30, 6, "signature", data_uri(create_png(300, 60)), text_layer="Jane Q. Doe"
    )
    out = seal(create_pdf(label=None), [value])
    assert "Jane Q. Doe" in page_text(out)


NON_LATIN = {
    "turkish": "Ağır Işık Gözlük Şeker İstanbul",
    "cyrillic": "Иван Петрович Сидоров",
    "arabic": "محمد عبد الله",
    "hebrew": "שלום עולם",
    "chinese": "王小明签署了合同",
    "japanese": "山田太郎 ひらがな カタカナ",
    "devanagari": "नमस्ते दुनिया",
    "emoji_outside_bmp": "OK 😀",
}


@pytest.mark.parametrize("script", sorted(NON_LATIN))
def test_text_in_any_script_survives(seal: Sealer, script: str) -> None:
    text = NON_LATIN[script]
    out = seal(create_pdf(label=None), [StampValue(1, 10, 10, 60, 5, "text", text)])
    assert _normalise(text) in _normalise(page_text(out))


def test_url_gets_a_link_annotation_where_the_rewriting_path_puts_it(seal: Sealer) -> None:
    value = StampValue(1, 10, 10, 30, 4, "url", "https://example.com/t", url_text="Our terms")
    original = create_pdf(label=None, rotate=[90])
    out = seal(original, [value])
    assert "Our terms" in page_text(out)

    def links(data: bytes) -> list[tuple[str, list[float]]]:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return [
                (str(a.A.URI), [float(v) for v in a.Rect])
                for a in pdf.pages[0].obj.get("/Annots", [])
                if a.get("/Subtype") == "/Link"
            ]

    [(uri, rect)] = links(out)
    [(want_uri, want_rect)] = links(stamp_values(original, [value]))
    assert uri == want_uri == "https://example.com/t"
    assert rect == pytest.approx(want_rect, abs=0.01)


def test_one_image_used_on_many_pages_is_embedded_once(seal: Sealer) -> None:
    sig = data_uri(create_png(400, 100))
    values = [StampValue(p, 10, 80, 30, 6, "signature", sig) for p in range(1, 11)]
    out = seal(create_pdf(10), values)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        images = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]
    assert len(images) == 1


def test_only_the_stamped_pages_are_rewritten(seal: Sealer) -> None:
    original = create_pdf(20)
    out = seal(original, [StampValue(5, 10, 10, 30, 5, "text", "only here")])
    before, after = PdfFileReader(io.BytesIO(original)), PdfFileReader(io.BytesIO(out))
    changed = after.xrefs.explicit_refs_in_revision(after.xrefs.total_revisions - 1)
    for number in range(20):
        page_ref, _ = before.find_page_for_modification(number)
        contents = page_ref.get_object().raw_get("/Contents")
        # The page's own content stream is never rewritten; only page 5's dictionary is.
        assert contents.reference not in changed
        # (Page 1 also gets the seal's invisible signature widget.)
        assert (page_ref.reference in changed) == (number in (0, 4)), number
    assert "only here" in page_text(out, 4)
    assert "only here" not in page_text(out, 3)


def test_a_resources_dictionary_shared_by_pages_does_not_carry_the_stamp(seal: Sealer) -> None:
    pdf = pikepdf.open(io.BytesIO(create_pdf(2)))
    shared = pdf.make_indirect(pdf.pages[0].obj.Resources)
    for page in pdf.pages:
        page.obj.Resources = shared
    buf = io.BytesIO()
    pdf.save(buf)
    out = seal(buf.getvalue(), [StampValue(1, 10, 10, 30, 5, "text", "first")])
    with pikepdf.open(io.BytesIO(out)) as result:
        assert "/SignetStamp" not in result.pages[1].obj.Resources.get("/XObject", {})
        assert "/SignetStamp" in result.pages[0].obj.Resources.XObject
        assert "/F1" in result.pages[0].obj.Resources.Font  # the page's own font is kept
    assert "first" not in page_text(out, 1)
    assert "Page 1" in page_text(out, 0)


def test_resources_inherited_from_the_tree_still_serve_the_page(seal: Sealer) -> None:
    pdf = pikepdf.open(io.BytesIO(create_pdf(2)))
    pdf.Root.Pages.Resources = pdf.pages[0].obj.Resources
    for page in pdf.pages:
        del page.obj["/Resources"]
    buf = io.BytesIO()
    pdf.save(buf)
    out = seal(buf.getvalue(), [StampValue(2, 10, 10, 30, 5, "text", "stamped")])
    assert "Page 2" in page_text(out, 1) and "stamped" in page_text(out, 1)
    assert "stamped" not in page_text(out, 0)


def test_original_graphics_state_cannot_move_the_stamp(seal: Sealer) -> None:
    pdf = pikepdf.open(io.BytesIO(create_pdf(label=None)))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"q 0.5 0 0 0.5 300 300 cm")
    buf = io.BytesIO()
    pdf.save(buf)
    value = StampValue(1, 10, 10, 30, 6, "signature", data_uri(create_png(300, 60)))
    image = render(seal(buf.getvalue(), [value]))
    found = dark_bbox(image)
    assert found is not None
    assert _inside(found, _pixel_rect(value, image.size), slack=2)


def test_a_page_without_content_can_be_stamped(seal: Sealer) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 300))
    buf = io.BytesIO()
    pdf.save(buf)
    out = seal(buf.getvalue(), [StampValue(1, 10, 10, 50, 10, "text", "on blank")])
    assert "on blank" in page_text(out)
