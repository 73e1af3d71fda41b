"""Anchor tags: fields placed where text markers sit in PDFs made here with known positions."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from fixtures.pdfs import b64
from fixtures.requests import signer
from reportlab.pdfbase.pdfmetrics import stringWidth
from template_helpers import PAGE_H, PAGE_W, create_template, download, pdf_text, text_pdf

from signet.pdf.anchors import Cover, cover_boxes, erase_text, find_text, find_tokens

PREFIX = "Signature: "


def _marker_pdf() -> bytes:
    return text_pdf(
        [
            (100, 100, PREFIX + "{{SIGN}}"),
            (100, 300, "Initials {{sign}} and {{SIGN}}x"),
            (100, 500, "Date: {{DATE}}"),
        ],
        pages=2,
    )


def _top(baseline_from_top: float, size: float = 12) -> float:
    return (baseline_from_top - 0.75 * size) / PAGE_H * 100


def _expected_x(prefix: str, left: float = 100) -> float:
    return (left + stringWidth(prefix, "Helvetica", 12)) / PAGE_W * 100


def test_find_text_gives_boxes_in_percent_from_the_top_left():
    hits = find_text(_marker_pdf(), "{{SIGN}}")
    assert [h.page_number for h in hits] == [1, 1, 2, 2]  # "{{SIGN}}x" is not a whole word
    first = hits[0]
    assert first.x == pytest.approx(_expected_x(PREFIX), abs=0.2)
    # The glyph box's top: the braces reach about 0.75 em above the baseline.
    assert first.y == pytest.approx(_top(100), abs=0.3)
    assert first.width == pytest.approx(
        stringWidth("{{SIGN}}", "Helvetica", 12) / PAGE_W * 100, abs=0.3
    )
    assert len(find_text(_marker_pdf(), "{{SIGN}}", case_sensitive=True)) == 2
    assert len(find_text(_marker_pdf(), "{{SIGN}}", whole_word=False)) == 6


def test_tokens_are_found_and_covered_with_their_values():
    pdf = text_pdf([(72, 100, "Dear [Client.FirstName], welcome to [Company]!")])
    tokens = find_tokens(pdf)
    assert [t.text for t in tokens] == ["Client.FirstName", "Company"]
    painted = cover_boxes(
        pdf,
        [
            Cover(t.page_number, t.x, t.y, t.width, t.height, text=v)
            for t, v in zip(tokens, ["Ada", "Acme"], strict=True)
        ],
    )
    assert "Ada" in pdf_text(painted) and "Acme" in pdf_text(painted)
    page = pdfium.PdfDocument(painted)[0].render(scale=2).to_pil().convert("L")
    box = tokens[1]
    left, top = box.x / 100 * PAGE_W * 2, box.y / 100 * PAGE_H * 2
    right = left + box.width / 100 * PAGE_W * 2
    # The right half of the placeholder ("pany]") is painted white: "Acme" is shorter.
    crop = page.crop((int(left + (right - left) * 0.75), int(top), int(right), int(top + 10)))
    assert crop.getextrema()[0] > 200


def _create(api, **kw):  # type: ignore[no-untyped-def]
    body = {
        "name": "Anchored",
        "document": b64(_marker_pdf()),
        "recipients": [signer("temp_1", "ada@example.com")],
        "fields": [],
    }
    body.update(kw)
    return api.post("/signing-requests", body)


def test_anchor_tags_place_fields_at_each_occurrence(api):
    r = _create(
        api,
        anchor_tags=[{"anchor_string": "{{SIGN}}", "type": "signature", "recipient_id": "temp_1"}],
    )
    assert r.status_code == 201, r.text
    fields = r.json()["fields"]
    assert [f["page_number"] for f in fields] == [1, 1, 2, 2]
    first = fields[0]
    assert first["position"]["x"] == pytest.approx(_expected_x(PREFIX), abs=0.2)
    assert (first["position"]["width"], first["position"]["height"]) == (25, 5)
    assert first["recipient_id"] == r.json()["recipients"][0]["id"]
    assert first["required"] is True


def test_anchor_options_occurrence_offsets_case_and_size(api):
    r = _create(
        api,
        anchor_tags=[
            {
                "anchor_string": "{{sign}}",
                "type": "initials",
                "recipient_id": 1,
                "case_sensitive": True,
                "occurrence": 2,
                "x_offset": -10,
                "y_offset": 20,
                "offset_units": "pixels",
                "width": 5,
                "height": 2,
            },
            {
                "anchor_string": "{{DATE}}",
                "type": "date",
                "recipient_id": "temp_1",
                "x_offset": 1,
                "y_offset": -0.5,
                "required": False,
                "occurrence": 1,
            },
        ],
    )
    assert r.status_code == 201, r.text
    initials, date = r.json()["fields"]
    assert initials["type"] == "initial" and initials["page_number"] == 2
    x = (100 + stringWidth("Initials ", "Helvetica", 12) - 10) / PAGE_W * 100
    assert initials["position"]["x"] == pytest.approx(x, abs=0.2)
    assert initials["position"]["y"] == pytest.approx(_top(300) + 20 / PAGE_H * 100, abs=0.3)
    assert (initials["position"]["width"], initials["position"]["height"]) == (5, 2)
    assert date["page_number"] == 1 and date["required"] is False
    assert date["position"]["x"] == pytest.approx(_expected_x("Date: ") + 1, abs=0.2)


def test_missing_anchor_is_400_unless_ignored(api):
    r = _create(
        api,
        anchor_tags=[
            {"anchor_string": "{{NOPE}}", "type": "signature", "recipient_id": "temp_1"},
            {"anchor_string": "{{SIGN}}", "type": "signature", "recipient_id": "temp_9"},
            {
                "anchor_string": "{{DATE}}",
                "type": "dropdown",
                "recipient_id": "temp_1",
                "occurrence": 1,
            },
        ],
    )
    assert r.status_code == 400, r.text
    details = r.json()["details"]
    assert "was not found" in details["anchor_tags[0].anchor_string"]
    assert "anchor_tags[1].recipient_id" in details
    assert "anchor_tags[2].dropdown_options" in details
    ok = _create(
        api,
        anchor_tags=[
            {
                "anchor_string": "{{NOPE}}",
                "type": "signature",
                "recipient_id": "temp_1",
                "ignore_if_not_present": True,
            },
            {
                "anchor_string": "{{SIGN}}",
                "type": "signature",
                "recipient_id": "temp_1",
                "occurrence": 1,
            },
        ],
    )
    assert ok.status_code == 201, ok.text
    assert any("{{NOPE}}" in w for w in ok.json()["warnings"])
    assert len(ok.json()["fields"]) == 1


def _page_gray(pdf: bytes, index: int = 0):  # type: ignore[no-untyped-def]
    return pdfium.PdfDocument(pdf)[index].render(scale=2).to_pil().convert("L")


def test_anchor_text_is_painted_out_and_white_background_is_optional(api):
    r = _create(
        api,
        anchor_tags=[
            {
                "anchor_string": "{{DATE}}",
                "type": "date",
                "recipient_id": "temp_1",
                "occurrence": 1,
                "add_white_background": True,
                "y_offset": -1,
            }
        ],
    )
    assert r.status_code == 201, r.text
    stored = download(api, r.json()["document_url"])
    hit = find_text(_marker_pdf(), "{{DATE}}")[0]
    page = _page_gray(stored)
    box = (
        int(hit.x / 100 * PAGE_W * 2),
        int(hit.y / 100 * PAGE_H * 2),
        int((hit.x + hit.width) / 100 * PAGE_W * 2),
        int((hit.y + hit.height) / 100 * PAGE_H * 2),
    )
    assert page.crop(box).getextrema()[0] > 200  # the marker is gone from view
    first_page = pdfium.PdfDocument(stored)[0].get_textpage().get_text_range()
    assert "{{DATE}}" not in first_page and "Date:" in first_page  # and from the text
    assert "{{DATE}}" in pdf_text(stored)  # the second page's marker was not asked for
    assert _page_gray(_marker_pdf()).crop(box).getextrema()[0] < 100  # it was there
    kept = _create(
        api,
        anchor_tags=[
            {
                "anchor_string": "{{DATE}}",
                "type": "date",
                "recipient_id": "temp_1",
                "occurrence": 1,
                "remove_anchor_text": False,
            }
        ],
    )
    kept_page = _page_gray(download(api, kept.json()["document_url"]))
    assert kept_page.crop(box).getextrema()[0] < 100


def test_anchor_tags_on_templates_and_not_on_template_based_creates(api):
    t = create_template(
        api,
        fields=[],
        anchor_tags=[
            {"anchor_string": "{{SIGN_CLIENT}}", "type": "signature", "recipient_id": "temp_client"}
        ],
    )
    assert len(t["fields"]) == 1 and t["fields"][0]["type"] == "signature"
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "anchor_tags": [{"anchor_string": "x", "type": "text", "recipient_id": 1}],
        },
    )
    assert r.status_code == 400 and "anchor_tags" in r.json()["details"]


def test_erased_text_leaves_the_text_layer_and_the_rest_stays_put():
    pdf = text_pdf([(72, 100, "Sign here: {{SIGN}} please"), (72, 200, "[Client.Name] ok")])
    boxes = find_text(pdf, "{{SIGN}}") + find_tokens(pdf)
    out, gone = erase_text(pdf, boxes, [8, 13])
    assert gone == [True, True]
    text = pdf_text(out)
    assert "{{SIGN}}" not in text and "[Client.Name]" not in text
    assert "Sign here:" in text and "please" in text and "ok" in text
    assert find_text(out, "please") == find_text(pdf, "please")


def test_text_that_cannot_be_cut_out_is_reported_for_painting():
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    c.beginForm("stamp")
    c.setFont("Helvetica", 12)
    c.drawString(72, 500, "Inside a form: {{SIGN}}")
    c.endForm()
    c.doForm("stamp")
    c.showPage()
    c.save()
    pdf = buf.getvalue()
    boxes = find_text(pdf, "{{SIGN}}")
    assert len(boxes) == 1
    out, gone = erase_text(pdf, boxes, [8])
    assert gone == [False] and out == pdf
