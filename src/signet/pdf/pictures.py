"""Pictures (signatures, initials, logos, uploaded images) on a reportlab canvas, decoded once.

``Canvas.drawImage`` decodes the file, hashes its pixels on every draw to find repeats, and
compresses them, with the alpha channel as a second image, at zlib's default level 6: about 2 ms
for a 400 x 120 signature, which made pictures a third of a certificate's time. Here a picture is
read once (:func:`read_picture`), its pixels compressed at level 1 (a quarter of the time, ~3 KB
more per signature: a drawn or typed signature is mostly empty), its alpha channel kept only when
some pixel is not opaque, and it is named by the hash of the file, so drawing it again in the same
PDF adds only the operators that place it. A JPEG file goes in as it is (DCTDecode), as
drawImage does. Nothing is cut or scaled: the PDF holds every pixel of the file.

The last few small pictures read are kept (:data:`_KEPT`, by their bytes): finalisation reads
each signer's signature for the stamps and again for the certificate of completion, ~1 ms each
time for a typed signature. A kept picture is only ever returned for the very same bytes; files
over :data:`_KEPT_BYTES` (uploaded photos, scans) are read every time and never kept.

Registering the encoded samples with the canvas needs reportlab internals: that is
``reportlab_internals.draw_encoded_image``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import zlib
from dataclasses import dataclass

from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from signet.pdf.reportlab_internals import draw_encoded_image

__all__ = ["Picture", "draw_picture", "read_picture"]

_LEVEL = 1  # zlib level for pixels; see the module docstring
_KEPT = 32  # pictures kept once read (a signature's is ~10-20 KB); see the module docstring
_KEPT_BYTES = 256 * 1024  # larger files are not kept
_SPACES = {"L": "DeviceGray", "RGB": "DeviceRGB", "CMYK": "DeviceCMYK"}


@dataclass(frozen=True)
class Picture:
    """An image file, decoded and encoded for PDF."""

    key: str  # hash of the file: the same file is one image in a PDF
    width: int
    height: int
    color_space: str  # DeviceGray, DeviceRGB or DeviceCMYK
    data: bytes
    filter: str  # FlateDecode or DCTDecode
    alpha: bytes | None = None  # the soft mask's 8-bit samples, FlateDecode
    inverted: bool = False  # an Adobe CMYK JPEG: stored inverted


def read_picture(data: bytes) -> Picture:
    """Decode an image file; ValueError when it is not a readable image.

    Pillow reports a damaged file with whatever its decoder met (OSError, SyntaxError,
    struct.error, EOFError, ...): any of them, and a decompression bomb, is a ValueError here.
    """
    data = bytes(data)
    return _read_kept(data) if len(data) <= _KEPT_BYTES else _read(data)


@functools.lru_cache(maxsize=_KEPT)
def _read_kept(data: bytes) -> Picture:
    """:func:`_read`, remembered for the last few files (an error is not)."""
    return _read(data)


def _read(data: bytes) -> Picture:
    key = hashlib.sha256(data).hexdigest()[:32]
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG" and image.mode in ("L", "RGB", "CMYK"):
                w, h = image.size
                inverted = image.mode == "CMYK"
                return Picture(key, w, h, _SPACES[image.mode], data, "DCTDecode", None, inverted)
            image.load()
            return _flate(key, image)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001  (a client's file: see the docstring)
        raise ValueError(str(exc) or type(exc).__name__) from exc


def _flate(key: str, image: Image.Image) -> Picture:
    transparent = "A" in image.getbands() or "transparency" in image.info
    gray = image.mode in ("1", "L", "LA") or (image.mode == "P" and _gray_palette(image))
    alpha: bytes | None = None
    if transparent:
        if image.mode != ("LA" if gray else "RGBA"):
            image = image.convert("LA" if gray else "RGBA")
        alpha_band = image.getchannel("A")
        if alpha_band.getextrema() != (255, 255):  # some pixel is not opaque
            alpha = zlib.compress(alpha_band.tobytes(), _LEVEL)
        base = image.convert("L" if gray else "RGB")
    elif image.mode in _SPACES:
        base = image
    else:
        base = image.convert("L" if gray else "RGB")
    w, h = base.size
    pixels = zlib.compress(base.tobytes(), _LEVEL)
    return Picture(key, w, h, _SPACES[base.mode], pixels, "FlateDecode", alpha)


def _gray_palette(image: Image.Image) -> bool:
    palette = image.getpalette() or []
    return all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette), 3))


def draw_picture(
    canvas: Canvas, picture: Picture, x: float, y: float, width: float, height: float
) -> None:
    """Draw ``picture`` stretched to the box whose lower left corner is (x, y)."""
    draw_encoded_image(canvas, picture, x, y, width, height)
