"""Pictures on a canvas: what a reader shows for every kind of image file, and what is stored."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pdf_factories import create_broken_png, render
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from signet.pdf import pictures
from signet.pdf.pictures import draw_picture, read_picture

BACKGROUND = (255, 0, 0)
INK = (0, 0, 255)


def _half_transparent(mode: str) -> bytes:
    """Left half ink (blue, or black in grey modes), right half fully transparent."""
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    image.paste((*INK, 255), (0, 0, 20, 20))
    if mode == "LA":
        image = image.convert("LA")
    elif mode == "P":
        image = image.convert("P")
        image.info["transparency"] = image.getpixel((30, 10))
    elif mode == "RGB+tRNS":  # a colour key: one RGB value means transparent
        rgb = Image.new("RGB", (40, 20), (0, 255, 0))
        rgb.paste(INK, (0, 0, 20, 20))
        out = io.BytesIO()
        rgb.save(out, format="PNG", transparency=(0, 255, 0))
        return out.getvalue()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _on_red_page(data: bytes, times: int = 1) -> bytes:
    """A 100 x 50 pt red page with the picture stretched over it, ``times`` times."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(100, 50))
    canvas.setFillColorRGB(*(c / 255 for c in BACKGROUND))
    canvas.rect(0, 0, 100, 50, stroke=0, fill=1)
    picture = read_picture(data)
    for _ in range(times):
        draw_picture(canvas, picture, 0, 0, 100, 50)
    canvas.save()
    return out.getvalue()


def _images(pdf: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Each image object's dictionary (values as text) and its stored bytes."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [
            ({k: str(v) for k, v in o.items()}, o.read_raw_bytes())
            for o in doc.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]


def _close(pixel: tuple[int, ...], expected: tuple[int, ...], slack: int = 12) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel, expected, strict=True))


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "RGB+tRNS"])
def test_transparent_pixels_show_the_page_and_opaque_ones_the_ink(mode: str) -> None:
    image = render(_on_red_page(_half_transparent(mode)), scale=2)
    ink = (29, 29, 29) if mode == "LA" else INK  # blue in grey is its luminance
    assert _close(image.getpixel((50, 50)), ink), image.getpixel((50, 50))
    assert _close(image.getpixel((150, 50)), BACKGROUND), image.getpixel((150, 50))


def test_an_opaque_picture_carries_no_soft_mask() -> None:
    image = Image.new("RGBA", (10, 10), (*INK, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    pdf = _on_red_page(out.getvalue())
    ((entries, _),) = _images(pdf)
    assert "/SMask" not in entries
    assert _close(render(pdf).getpixel((50, 25)), INK)


def test_a_transparent_picture_keeps_its_alpha_as_a_soft_mask() -> None:
    images = _images(_on_red_page(_half_transparent("RGBA")))
    spaces = sorted(entries["/ColorSpace"] for entries, _ in images)
    assert spaces == ["/DeviceGray", "/DeviceRGB"]
    assert sum("/SMask" in entries for entries, _ in images) == 1


def test_a_jpeg_file_is_embedded_as_it_is() -> None:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), INK).save(out, format="JPEG", quality=95)
    jpeg = out.getvalue()
    pdf = _on_red_page(jpeg)
    ((entries, stored),) = _images(pdf)
    assert "/DCTDecode" in entries["/Filter"]
    assert stored == jpeg
    assert _close(render(pdf).getpixel((50, 25)), INK, slack=20)


def test_a_cmyk_jpeg_shows_its_colours() -> None:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), INK).convert("CMYK").save(out, format="JPEG", quality=95)
    pixel = render(_on_red_page(out.getvalue())).getpixel((50, 25))
    assert pixel[2] > pixel[0] + 60 and pixel[2] > pixel[1] + 60, pixel  # blue, not inverted


def test_one_picture_drawn_twice_is_stored_once() -> None:
    pdf = _on_red_page(_half_transparent("RGBA"), times=3)
    assert len(_images(pdf)) == 2  # the pixels and their soft mask


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, create_broken_png()],
    ids=["empty", "text", "header only", "broken while decoding"],
)
def test_unreadable_files_are_refused_with_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        read_picture(data)


def test_a_small_file_read_again_is_not_decoded_again() -> None:
    data = _half_transparent("RGBA")
    first = read_picture(data)
    assert read_picture(bytes(bytearray(data))) is first  # equal bytes, another object
    other = _half_transparent("LA")
    assert read_picture(other) is not first and read_picture(other).key != first.key


def test_a_large_file_is_read_every_time() -> None:
    # Noise does not compress: a PNG over the size kept.
    image = Image.frombytes("RGB", (400, 400), bytes(range(256)) * 1875)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=0)
    data = out.getvalue()
    assert len(data) > pictures._KEPT_BYTES
    first = read_picture(data)
    second = read_picture(data)
    assert second is not first and second == first


def test_an_unreadable_file_is_refused_every_time() -> None:
    data = create_broken_png()
    for _ in range(2):
        with pytest.raises(ValueError):
            read_picture(data)
