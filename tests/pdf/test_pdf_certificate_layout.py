"""The certificate's page layout: where blocks break, what moves to the next page, nothing lost."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import timedelta

import pypdfium2 as pdfium
from pdf_factories import create_broken_png
from PIL import Image
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from test_pdf_certificate import T0, create_certificate_data

from signet.pdf.certificate import build_certificate
from signet.pdf.certificate_layout import Framed, Gap, Keep, Lines, Table, figure, lay_out, text
from signet.pdf.evidence import CertificateEvent, CertificateRecipient
from signet.pdf.fonts import ensure_fonts_registered
from signet.pdf.text_lines import TextBatch

INK = colors.black
RULE = colors.grey


def _lines(count: int, leading: float = 10.0) -> Lines:
    return Lines([f"line {i}" for i in range(count)], 8.0, False, INK, "left", leading, 100.0)


def _pages_text(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    pages = [str(page.get_textpage().get_text_range()) for page in document]
    document.close()
    return [" ".join(unicodedata.normalize("NFKC", p).split()) for p in pages]


def test_text_breaks_between_lines_at_the_foot_of_a_page() -> None:
    pages = lay_out([_lines(15)], top=100, bottom=0)
    assert [len(p.placed) for p in pages] == [1, 1]
    first, rest = pages[0].placed[0][0], pages[1].placed[0][0]
    assert first.lines == [f"line {i}" for i in range(10)]
    assert rest.lines == [f"line {i}" for i in range(10, 15)]
    assert pages[1].placed[0][1] == 100  # the rest starts at the top of the next page


def test_a_kept_block_moves_whole_to_the_next_page() -> None:
    pages = lay_out([_lines(6), Keep([_lines(3), _lines(3)])], top=100, bottom=0)
    assert [[b.height for b, _ in p.placed] for p in pages] == [[60.0], [30.0, 30.0]]


def test_a_kept_block_ignores_its_leading_space_when_it_moves_to_a_new_page() -> None:
    # 95 points with the space, 85 without: it fits a fresh 90-point page, so it moves whole.
    pages = lay_out([_lines(1), Keep([Gap(10), _lines(4), _lines(4), _lines(1)])], 90, 0)
    assert [[b.height for b, _ in p.placed] for p in pages] == [[10.0], [40.0, 40.0, 10.0]]


def test_a_kept_block_taller_than_a_page_flows_instead_of_looping() -> None:
    pages = lay_out([Keep([_lines(8), _lines(8)])], top=100, bottom=0)
    assert sum(len(b.lines) for p in pages for b, _ in p.placed) == 16
    assert len(pages) == 2


def test_space_is_not_kept_at_the_top_of_a_page() -> None:
    pages = lay_out([_lines(10), Gap(20), _lines(1)], top=100, bottom=0)
    assert pages[1].placed[0][1] == 100


def test_a_table_repeats_its_header_and_numbers_rules_over_the_whole_table() -> None:
    ensure_fonts_registered()
    seen: list[int] = []

    def rules(i: int, n: int) -> tuple[float, colors.Color] | None:
        seen.append(i)
        return (0.25, RULE) if i < n - 1 else None

    rows = [[text(f"row {i}", 100, color=INK)] for i in range(12)]
    table = Table.of([100], [[text("Header", 100, color=INK)], *rows], header=1, rules=rules)
    pages = lay_out([table], top=100, bottom=0)
    parts = [block for page in pages for block, _ in page.placed]
    assert len(parts) > 1
    for part in parts:
        assert part.rows[0].cells[0].lines == ["Header"]
    body = [row.cells[0].lines[0] for part in parts for row in part.rows[1:]]
    assert body == [f"row {i}" for i in range(12)]  # each row once, in order

    canvas = Canvas(io.BytesIO())
    for part in parts:
        part.draw(canvas, 0, 100, TextBatch(canvas))
    assert sorted(i for i in seen if i) == list(range(1, 13))  # whole-table row numbers


def test_a_row_that_reaches_the_foot_of_a_page_moves_whole_to_the_next() -> None:
    ensure_fonts_registered()
    three = text("one\ntwo\nthree", 60, color=INK)
    assert len(three.lines) == 3
    table = Table.of([60], [[text("Header", 60, color=INK)], [three], [text("x", 60, color=INK)]],
                     header=1)  # fmt: skip
    assert table.rows[1].height < 100
    pages = lay_out([_lines(6), table], top=100, bottom=0)
    parts = [(i, block) for i, page in enumerate(pages) for block, _ in page.placed]
    tables = [(i, t) for i, t in parts if isinstance(t, Table)]
    assert [i for i, _ in tables] == [1]  # nothing of the table on page 1: no header alone
    assert tables[0][1].rows[1].cells[0].lines == ["one", "two", "three"]


def test_an_event_row_is_never_split_at_the_foot_of_a_page() -> None:
    base = create_certificate_data()
    events = [
        CertificateEvent(T0 + timedelta(minutes=i), f"event.n{i:02d}", "Actor", "192.0.2.1")
        for i in range(60)
    ]
    for words in range(40, 100, 3):  # moves the log's start down the page a line at a time
        data = replace(
            base, recipients=base.recipients[:1], document_name="word " * words, events=events
        )
        for page in _pages_text(build_certificate(data)):
            # An event's time is two lines (UTC, then local): both or neither on a page.
            assert page.count(" UTC ") == page.count(" UTC+03:00"), (words, page[-300:])


def test_a_picture_row_taller_than_a_page_does_not_hide_the_rows_after_it() -> None:
    ensure_fonts_registered()
    png = io.BytesIO()
    Image.new("RGB", (10, 40), (0, 0, 0)).save(png, "PNG")
    tall = figure(png.getvalue(), 50, 200)
    assert tall is not None and tall.height == 200
    rows = [[text("Header", 60, color=INK)], [Framed([tall], RULE)]]
    rows += [[text(f"after {i}", 60, color=INK)] for i in range(3)]
    pages = lay_out([Table.of([60], rows, header=1)], top=100, bottom=0)
    seen = [
        row.cells[0].lines[0]
        for page in pages
        for part, _ in page.placed
        for row in part.rows[1:]
        if isinstance(row.cells[0], Lines)
    ]
    assert seen == ["after 0", "after 1", "after 2"]
    (alone,) = [
        p for page in pages for p, _ in page.placed if isinstance(p.rows[1].cells[0], Framed)
    ]
    assert len(alone.rows) == 2  # the header and the picture: the rows after it go on
    assert all(
        top - part.height >= 0 for page in pages for part, top in page.placed if part is not alone
    )


def test_a_row_taller_than_a_page_starts_where_the_rows_before_it_end() -> None:
    ensure_fonts_registered()
    before = [text(f"row {i}", 60, color=INK) for i in range(2)]
    tall = text("\n".join(f"line {i}" for i in range(30)), 60, color=INK)  # ~350 points
    table = Table.of([60], [[b] for b in before] + [[tall]])
    pages = lay_out([table], top=200, bottom=0)
    first = pages[0].placed[0][0]
    assert isinstance(first, Table)
    assert [r.cells[0].lines[0] for r in first.rows] == ["row 0", "row 1", "line 0"]
    assert 200 - first.height < tall.leading + 4  # no more than a line's room left unused


def test_space_alone_never_starts_a_page() -> None:
    pages = lay_out([_lines(8), Keep([_lines(1), Gap(30)]), Keep([Gap(20)])], 100, 0)
    assert len(pages) == 1  # the trailing space may fall past the foot


def test_a_table_row_taller_than_a_page_breaks_between_its_lines() -> None:
    ensure_fonts_registered()
    tall = [text(" ".join(f"w{i}" for i in range(400)), 60, color=INK)]
    table = Table.of([60], [[text("Header", 60, color=INK)], tall], header=1)
    assert table.height > 200
    pages = lay_out([table], top=200, bottom=0)
    assert len(pages) > 1
    words = " ".join(
        line for page in pages for part, _ in page.placed for line in part.rows[1].cells[0].lines
    ).split()
    assert words == [f"w{i}" for i in range(400)]
    for page in pages:
        assert all(part.height <= 200 for part, _ in page.placed)


def test_an_event_longer_than_a_page_is_printed_in_full_across_pages() -> None:
    actor = " ".join(f"actor{i}" for i in range(1500))
    data = create_certificate_data(
        events=[CertificateEvent(T0, "recipient.signed", actor, "192.0.2.1")]
    )
    pages = _pages_text(build_certificate(data))
    joined = " ".join(pages)
    assert "actor0 actor1" in joined and "actor1499" in joined
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_each_recipient_stays_on_one_page_when_it_fits_on_one() -> None:
    base = create_certificate_data()
    recipients = [
        replace(
            base.recipients[0],
            name=f"Signer number {i}",
            order=i,
            signature_id=f"00000000-0000-4000-8000-{i:012d}",
            sent_at=T0 + timedelta(minutes=i),
        )
        for i in range(9)
    ]
    data = replace(base, recipients=recipients)
    pages = _pages_text(build_certificate(data))
    assert len(pages) > 3
    for i in range(9):
        holding = [p for p in pages if f"Signer number {i}" in p]
        assert len(holding) == 1
        assert f"00000000-0000-4000-8000-{i:012d}" in holding[0]


def test_an_unreadable_signature_or_initials_image_is_named_not_fatal() -> None:
    base = create_certificate_data()
    signer: CertificateRecipient = base.recipients[0]
    for broken, shown, named in [
        (replace(signer, signature_png=b"not a png"), "Initials", "Signature"),
        (replace(signer, initials_png=create_broken_png()), "Signature", "Initials"),
    ]:
        text_out = " ".join(_pages_text(build_certificate(replace(base, recipients=[broken]))))
        assert f"{named} (image unreadable)" in text_out
        assert f"{shown} " in text_out and "Signature and initials" not in text_out
        # In the usual order: the signature's row, then the initials'.
        assert text_out.index("Signature ", text_out.index("Signed ")) < text_out.index("Initials")
