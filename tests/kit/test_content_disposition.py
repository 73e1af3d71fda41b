"""The one Content-Disposition builder: any file name survives, as RFC 6266 and RFC 5987 say."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from signet.kit.content_disposition import content_disposition, download_name

NAMES = ["合同", "Договор", "عقد", "Launch 🚀", 'He said "hi" \\ ok', "Ayşe Işıkoğlu"]


def read_header(value: str) -> tuple[str, str, str | None]:
    """(kind, ASCII filename, decoded filename*) as an RFC 6266 reader takes them."""
    kind = value.split(";", 1)[0]
    plain = re.search(r'filename="((?:[^"\\]|\\.)*)"', value)
    star = re.search(r"filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)$", value)
    assert plain is not None, value
    return kind, plain.group(1), unquote(star.group(1), errors="strict") if star else None


@pytest.mark.parametrize("name", [*NAMES, "plain contract.pdf"])
def test_any_name_reaches_the_client_exactly(name):
    header = content_disposition("attachment", name)
    header.encode("latin-1")  # what Starlette does with every header value
    assert header.isascii()
    kind, fallback, exact = read_header(header)
    assert kind == "attachment"
    assert (exact or fallback) == name
    assert all(" " <= c <= "~" and c not in '"\\' for c in fallback)


def test_an_ascii_name_is_given_once_and_accents_fall_back_to_letters():
    assert content_disposition("inline", "a b.pdf") == 'inline; filename="a b.pdf"'
    assert read_header(content_disposition("inline", "Ayşe.pdf"))[1] == "Ayse.pdf"
    assert read_header(content_disposition("inline", 'x"y\\z'))[1] == "x_y_z"


def test_download_names_keep_every_script_and_drop_path_and_control_characters():
    assert download_name("合同") == "合同.pdf"
    assert download_name("Launch 🚀") == "Launch 🚀.pdf"
    assert download_name('../a/b:"c"\x00\n') == "_a_b__c___.pdf"
    assert download_name("  ") == "document.pdf"
    assert download_name("", default="template") == "template.pdf"
    assert download_name("x" * 300, suffix=" - signed.pdf") == "x" * 100 + " - signed.pdf"
