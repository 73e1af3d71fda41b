"""The bidi algorithm against the Unicode conformance data, and what it changes on a page.

BidiCharacterTest.txt comes from Debian's unicode-data package (/usr/share/unicode); .ci/run
installs it. Without it the conformance test skips here and fails in CI.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from signet.pdf import bidi_tables
from signet.pdf.font_files import font_chain, level_runs
from signet.pdf.text_bidi import bidi_levels, mirror_reverse, visual_order

UCD = Path("/usr/share/unicode")


def _ucd_file(name: str) -> Path:
    path = UCD / name
    if not path.exists():
        reason = f"{path} is missing: apt-get install unicode-data"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def test_every_line_of_bidi_character_test_is_ordered_as_unicode_says() -> None:
    failures = []
    checked = 0
    for line in _ucd_file("BidiCharacterTest.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        codes, direction, para, expected_levels, expected_order = line.split(";")
        text = "".join(chr(int(c, 16)) for c in codes.split())
        if any(unicodedata.category(c) == "Cn" for c in text):
            continue  # newer than this Python's Unicode data: its type is unknown here
        levels, level = bidi_levels(text, None if direction == "2" else int(direction))
        expected = [None if x == "x" else int(x) for x in expected_levels.split()]
        order = [int(x) for x in expected_order.split()]
        checked += 1
        if (level, levels, visual_order(levels)) != (int(para), expected, order):
            failures.append(line)
    assert checked > 90_000
    assert failures == []


def test_the_generated_tables_match_the_unicode_data_files() -> None:
    # scripts/gen_bidi_tables.py made them; this catches a hand edit or a partial table.
    pairs = {}
    for line in _ucd_file("BidiBrackets.txt").read_text().splitlines():
        fields = [f.strip() for f in line.split("#", 1)[0].split(";")]
        if len(fields) == 3:
            pairs[int(fields[0], 16)] = (int(fields[1], 16), fields[2])
    assert {k: (v, "o") for k, v in bidi_tables.OPENING_BRACKETS.items()} | {
        k: (v, "c") for k, v in bidi_tables.CLOSING_BRACKETS.items()
    } == pairs
    assert bidi_tables.MIRRORED[ord("≤")] == ord("≥") and len(bidi_tables.MIRRORED) > 400


def test_isolates_keep_a_hebrew_name_inside_an_english_sentence_in_place() -> None:
    # "Signed by ⁧שרה⁩ 2x": without the isolate, "2" would join the Hebrew run.
    text = "Signed by \u2067שרה\u2069 2x"
    runs, rtl = level_runs(text, font_chain(False))
    assert not rtl
    assert "".join(run for _, _, run in runs) == "Signed by שרה 2x"  # controls not drawn
    assert [(level, run) for _, level, run in runs if "ש" in run] == [(1, "שרה")]


def test_brackets_pair_and_every_mirrored_character_mirrors() -> None:
    levels, _ = bidi_levels("שלום (hello) עולם")
    assert levels[5] == levels[11] == 1  # the brackets take the embedding direction
    assert mirror_reverse("a≤[b]«") == "»[b]≥a"
