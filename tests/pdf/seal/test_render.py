"""Page images: the requested page, at an allowed width, in a format browsers decode."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from PIL import Image

from signet.pdf.render import WIDTHS, RenderError, clear_cache, render_page, snap_width

from .factories import create_pdf, create_rotated_pdf


@pytest.fixture(scope="module")
def five_pages() -> bytes:
    return create_pdf(5)


def _open(image: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(image))
    img.load()
    return img


@pytest.mark.parametrize("fmt, pil_format", [("webp", "WEBP"), ("jpeg", "JPEG"), ("png", "PNG")])
@pytest.mark.parametrize("page", [1, 5])
def test_page_renders_at_the_requested_width(
    five_pages: bytes, fmt: str, pil_format: str, page: int
) -> None:
    img = _open(render_page(five_pages, page, 800, fmt))  # type: ignore[arg-type]

    assert img.format == pil_format
    assert img.width == 800
    assert abs(img.height - 800 * 11 / 8.5) <= 1  # US Letter proportions


def test_default_format_is_a_jpeg(five_pages: bytes) -> None:
    assert _open(render_page(five_pages, 1, 1200)).format == "JPEG"


def test_different_pages_give_different_images(five_pages: bytes) -> None:
    first = _open(render_page(five_pages, 1, 800, "png"))
    last = _open(render_page(five_pages, 5, 800, "png"))

    assert first.tobytes() != last.tobytes()


@pytest.mark.parametrize(
    "asked, given", [(1, 800), (800, 800), (801, 1200), (1200, 1200), (1500, 1600), (5000, 1600)]
)
def test_width_snaps_to_an_allowed_one(five_pages: bytes, asked: int, given: int) -> None:
    assert snap_width(asked) == given
    assert _open(render_page(five_pages, 2, asked, "jpeg")).width == given
    assert given in WIDTHS


def test_landscape_and_rotated_pages_keep_their_shape() -> None:
    wide = _open(render_page(create_pdf(1, landscape_pages=True), 1, 800, "jpeg"))
    rotated = _open(render_page(create_rotated_pdf(90), 1, 800, "jpeg"))

    assert wide.width == 800 and abs(wide.height - 800 * 210 / 297) <= 1
    assert rotated.width == 800 and abs(rotated.height - 800 * 8.5 / 11) <= 1


@pytest.mark.parametrize("page", [0, 6, -1])
def test_missing_page_is_refused(five_pages: bytes, page: int) -> None:
    with pytest.raises(RenderError, match="does not exist; the document has 5"):
        render_page(five_pages, page, 800)


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\n", os.urandom(2048)])
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(RenderError, match="cannot be opened"):
        render_page(data, 1, 800)


def test_unknown_format_is_refused(five_pages: bytes) -> None:
    with pytest.raises(RenderError, match="Unknown image format"):
        render_page(five_pages, 1, 800, "gif")  # type: ignore[arg-type]


def test_path_source_follows_a_replaced_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(create_pdf(1))
    portrait = _open(render_page(path, 1, 800, "jpeg"))

    path.write_bytes(create_pdf(2, landscape_pages=True))
    os.utime(path, ns=(1, 1))  # a different mtime, whatever the clock resolution
    landscape = _open(render_page(str(path), 2, 800, "jpeg"))

    assert portrait.height > portrait.width
    assert landscape.height < landscape.width


def test_cache_key_is_used_instead_of_hashing(five_pages: bytes) -> None:
    clear_cache()
    render_page(five_pages, 1, 800, cache_key="blob-1")

    # Same key: the open document is reused, whatever bytes come with it.
    img = _open(render_page(create_pdf(1, landscape_pages=True), 3, 800, cache_key="blob-1"))

    assert img.height > img.width


def test_many_threads_render_at_once(five_pages: bytes, tmp_path: Path) -> None:
    clear_cache()
    others = [create_pdf(2) + b"%" + bytes([i]) for i in range(12)]  # 12 documents > cache size
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(6):
                doc = others[(n + i) % len(others)]
                assert _open(render_page(doc, 1 + i % 2, 800, "jpeg")).width == 800
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
