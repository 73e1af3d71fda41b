"""Fonts: every script a signer may type has a real font, text wraps and orders right, and a
typed name becomes a signature image."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from signet.pdf import font_files, fonts, text_lines

SCRIPTS = [
    "Latin",
    "Greek",
    "Cyrillic",
    "Arabic",
    "Hebrew",
    "Chinese",
    "Japanese",
    "Korean",
    "Devanagari",
    "Thai",
]


def test_every_script_a_signer_may_type_has_a_font() -> None:
    coverage = fonts.script_coverage()
    assert [s for s in SCRIPTS if not coverage.get(s)] == []
    assert [s for s in SCRIPTS if not fonts.script_coverage(bold=True).get(s)] == []


def test_coverage_summary_names_the_scripts_and_the_handwriting_font() -> None:
    summary = fonts.coverage_summary()
    for script in SCRIPTS:
        assert script in summary
    assert "NOT covered" not in summary
    assert "Kaushan Script" in summary


def test_shipped_fonts_have_their_licence_next_to_them() -> None:
    names = {p.name for p in fonts.ASSETS_DIR.iterdir()}
    assert {"OFL-Noto.txt", "OFL-KaushanScript.txt", "LICENSE-DejaVu.txt"} <= names
    assert "LICENSE-DroidSansFallback.txt" in names
    total = sum(p.stat().st_size for p in fonts.ASSETS_DIR.iterdir())
    assert total < 20 * 1024 * 1024


def test_each_character_goes_to_the_first_font_that_has_it() -> None:
    runs = fonts.font_runs("Ayşe محمد 王 Ελένη")
    assert runs == [
        ("SignetSans", "Ayşe "),
        ("SignetArabic", "محمد "),
        ("SignetCJK", "王 "),
        ("SignetSans", "Ελένη"),
    ]
    assert "".join(text for _, text in runs) == "Ayşe محمد 王 Ελένη"


def test_bold_text_uses_the_bold_faces() -> None:
    assert fonts.font_runs("Signed", bold=True) == [("SignetSans-Bold", "Signed")]


def _visual(text: str) -> str:
    return "".join(str(segment.text) for segment in fonts.layout_line(text).segments)


def test_right_to_left_words_are_put_in_visual_order() -> None:
    # As the Unicode bidi algorithm has it: the number joins the right-to-left run.
    assert _visual("abc שלום 123") == "abc 123 םולש"
    assert _visual("abc שלום def") == "abc םולש def"
    line = fonts.layout_line("שלום עולם (test)")
    assert line.rtl
    # Brackets are mirrored; the Latin word keeps its own order.
    assert _visual("שלום עולם (test)") == "(test) םלוע םולש"
    assert not fonts.layout_line("Hello שלום").rtl


def test_digits_inside_right_to_left_text_keep_their_order() -> None:
    assert "2026" in _visual("שנת 2026")
    assert "١٢٣" in _visual("رقم ١٢٣")


def test_text_width_grows_with_the_font_size() -> None:
    assert fonts.text_width("Hello", 20) == pytest.approx(2 * fonts.text_width("Hello", 10))
    assert fonts.text_width("", 12) == 0


def test_wrap_text_keeps_lines_within_the_width_and_keeps_newlines() -> None:
    text = "one two three four five six seven eight nine ten\nsecond paragraph"
    lines = fonts.wrap_text(text, 10, 80)
    assert len(lines) > 3
    assert lines[-1] == "second paragraph" or lines[-1].endswith("paragraph")
    assert all(fonts.text_width(line, 10) <= 80 for line in lines)
    assert " ".join(lines).split() == text.split()


def test_wrap_text_breaks_chinese_without_spaces_and_long_words() -> None:
    chinese = "本合同由双方于二零二六年签署并自签署之日起生效"
    lines = fonts.wrap_text(chinese, 10, 60)
    assert len(lines) > 1 and "".join(lines) == chinese
    assert all(fonts.text_width(line, 10) <= 60 for line in lines)
    digest = "a" * 64
    lines = fonts.wrap_text(digest, 10, 100)
    assert "".join(lines) == digest and len(lines) > 1


ASCII_LINES = [
    "",
    " ",
    "Jane Doe",
    "  leading and trailing  ",
    "SHA-256: 9f86d081884c7d65",
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0",
    "a\tb",
    "(1) [2] {3} <4>",
]


@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("text", ASCII_LINES)
def test_plain_ascii_lines_lay_out_as_character_by_character_layout_does(
    text: str, bold: bool
) -> None:
    chain = font_files.font_chain(bold)
    assert fonts.layout_line(text, bold) == text_lines._layout_by_character(
        text.replace("\t", "    "), chain
    )


def test_a_line_that_fits_is_not_wrapped_and_loses_only_its_trailing_spaces() -> None:
    assert fonts.wrap_text("  Jane Doe  ", 10, 500) == ["  Jane Doe"]
    assert fonts.wrap_text("one\n\ntwo", 10, 500) == ["one", "", "two"]


def test_an_empty_string_wraps_to_one_empty_line() -> None:
    assert fonts.wrap_text("", 10, 100) == [""]


def _ink_box(png: bytes, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == size
    assert image.mode == "RGBA"
    return image.getchannel("A").getbbox()


@pytest.mark.parametrize(
    "name",
    [
        "Jane Doe",
        "Ayşe Işıkoğlu",
        "Ελένη Παπαδοπούλου",
        "محمد عبد الله",
        "王小明",
        "김민준",
        "שלום",
    ],
)
def test_typed_signature_renders_a_name_in_any_script(name: str) -> None:
    png = fonts.render_typed_signature(name, 400, 120)
    box = _ink_box(png, (400, 120))
    assert box is not None
    left, top, right, bottom = box
    assert right - left > 60  # a real mark, not a dot
    assert left >= 0 and right <= 400 and top >= 0 and bottom <= 120


def test_typed_signature_fits_a_long_name_into_the_image() -> None:
    png = fonts.render_typed_signature("Maximilian Alexander von Hohenzollern-Sigmaringen", 300, 80)
    box = _ink_box(png, (300, 80))
    assert box is not None
    assert box[0] >= 0 and box[2] <= 300
    assert box[2] - box[0] > 200


def test_typed_signature_of_nothing_is_transparent() -> None:
    assert _ink_box(fonts.render_typed_signature("   ", 100, 40), (100, 40)) is None


def test_typed_signature_refuses_a_tiny_canvas() -> None:
    with pytest.raises(ValueError, match="8x8"):
        fonts.render_typed_signature("Jane", 4, 4)
