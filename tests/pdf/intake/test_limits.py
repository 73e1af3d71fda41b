"""Intake limits, active-content removal, the page-image pixel cap and the sandbox, without a
database: the pdf layer alone."""

from __future__ import annotations

import hashlib
import io
import time

import pikepdf
import pytest

from signet.pdf import render, sandbox
from signet.pdf.inspect import PdfProblem, inspect_pdf
from signet.pdf.intake import normalise_pdf
from signet.pdf.limits import PdfLimits

from . import corpus


def test_corpus_has_at_least_forty_kinds_and_its_sets_name_real_kinds() -> None:
    assert len(corpus.KINDS) >= 40
    kinds = set(corpus.KINDS)
    assert kinds >= corpus.ACTIVE and kinds >= corpus.REFUSED
    assert not corpus.ACTIVE & corpus.REFUSED


def test_a_flate_bomb_is_refused_naming_the_limit_before_anything_inflates_it() -> None:
    with pytest.raises(PdfProblem, match="decodes to more than 256 MB, the limit for one stream"):
        inspect_pdf(corpus.flate_bomb_one_stream())
    with pytest.raises(PdfProblem, match="decodes to more than 512 MB"):
        inspect_pdf(corpus.flate_bomb_many_streams())


def test_the_total_decoded_limit_grows_with_the_file() -> None:
    limits = PdfLimits(decoded_total_floor=1024, decoded_stream=10**9)
    data = corpus.base()
    with pytest.raises(PdfProblem, match="the limit for a file of this size"):
        normalise_pdf(data, PdfLimits(decoded_total_floor=1, decoded_total_ratio=0))
    assert normalise_pdf(data, limits).page_count == 2


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("box_zero_width", "Page 1 is 0 × 792 points: each side must be between 3 and 14400"),
        ("box_strip", "Page 1 is 1 × 14400 points"),
        ("box_huge", "each side must be between"),
        ("box_thin_tall", "within 20 to 1"),
        ("too_many_pages", "has 2101 pages; the limit is 2000"),
    ],
)
def test_odd_pages_are_refused_with_the_page_and_the_limit(kind: str, message: str) -> None:
    with pytest.raises(PdfProblem, match=message):
        inspect_pdf(corpus.KINDS[kind]())


def test_object_count_limit() -> None:
    with pytest.raises(PdfProblem, match="objects; the limit is 3"):
        normalise_pdf(corpus.base(), PdfLimits(objects=3))


def test_a_clean_pdf_is_kept_byte_for_byte() -> None:
    data = corpus.base()
    info = inspect_pdf(data)
    assert info.data == data and not info.rewritten and info.removed == []
    assert info.upload_sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("kind", sorted(corpus.ACTIVE))
def test_active_content_is_removed_and_the_file_rewritten(kind: str) -> None:
    data = corpus.KINDS[kind]()
    info = inspect_pdf(data)
    assert info.removed and info.rewritten
    assert info.upload_sha256 == hashlib.sha256(data).hexdigest()
    with pikepdf.open(io.BytesIO(info.data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert str(obj.get("/S", "")) not in ("/JavaScript", "/Launch"), kind
                assert "/AA" not in obj and "/JS" not in obj, kind
        action = pdf.Root.get("/OpenAction")  # only a plain go-to may stay
        assert action is None or (str(action.get("/S")) == "/GoTo" and "/Next" not in action)
        assert not pdf.attachments


def test_a_link_to_a_web_page_is_kept() -> None:
    data = corpus.link_annotation_uri()
    assert inspect_pdf(data).data == data


def test_a_file_truncated_with_an_end_marker_is_rewritten_with_a_trailer_size() -> None:
    info = inspect_pdf(corpus.truncated_90_with_eof())
    assert info.repaired and info.rewritten
    with pikepdf.open(io.BytesIO(info.data)) as pdf:
        assert "/Size" in pdf.trailer


def test_a_page_image_of_a_strip_page_stays_within_the_pixel_cap() -> None:
    data = corpus._box([0, 0, 20, 8000])
    image = render.render_page(data, 1, 1600, "png")
    from PIL import Image

    with Image.open(io.BytesIO(image)) as img:
        assert img.width * img.height <= render.MAX_PIXELS
        assert img.height > img.width * 100


def _allocate(n: int) -> int:
    return len(bytearray(n))


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _fail() -> None:
    raise PdfProblem("told to fail")


def test_the_sandbox_stops_a_call_past_its_memory_ceiling_and_keeps_serving() -> None:
    with pytest.raises(sandbox.SandboxFailed, match="more than") as caught:
        sandbox.run(_allocate, sandbox.MEMORY_LIMIT, timeout=60)
    assert caught.value.reason == "memory"
    assert sandbox.run(_allocate, 1000, timeout=60) == 1000


def test_the_sandbox_stops_a_call_past_its_time_limit_and_keeps_serving() -> None:
    with pytest.raises(sandbox.SandboxFailed, match="longer than 0.5 seconds") as caught:
        sandbox.run(_sleep, 30, timeout=0.5)
    assert caught.value.reason == "time"
    assert sandbox.run(_sleep, 0, timeout=60) == 0


def test_the_sandbox_raises_the_callees_exception_here() -> None:
    with pytest.raises(PdfProblem, match="told to fail"):
        sandbox.run(_fail, timeout=60)


def test_run_length_and_flate_streams_are_counted_at_their_decoded_size() -> None:
    from signet.pdf.limits import decoded_size

    with pikepdf.open(io.BytesIO(corpus.base())) as pdf:
        run_length = pikepdf.Stream(pdf, b"")
        run_length.write(b"\x81\x00" * 10 + b"\x80", filter=pikepdf.Name.RunLengthDecode)
        assert decoded_size(run_length, 10**9) == 1280
        flate = pikepdf.Stream(pdf, corpus._deflated_zeros(3 * corpus.MB))
        flate.Filter = pikepdf.Name.FlateDecode
        assert decoded_size(flate, 10**9) == 3 * corpus.MB
        assert corpus.MB < decoded_size(flate, corpus.MB) < 3 * corpus.MB  # stops past the cap
