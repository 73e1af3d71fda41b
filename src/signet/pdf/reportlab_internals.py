"""Every use of reportlab beyond its public API, in one place.

Signet draws with reportlab's public canvas API everywhere else. These are the exceptions, each
for a measured reason given where it is used, and each with a test in
``tests/pdf/test_reportlab_internals.py`` that fails when a reportlab release changes it:

* ``ttfonts.makeToUnicodeCMap``: replaced process-wide, so embedded TrueType subsets get a
  ToUnicode map that is right for shaped and non-BMP text (``font_files``);
* ``rl_config.useA85``: flipped while a PDF is written, for binary streams (``binary_streams``);
* ``ttfonts.shapeFragWord``, ``ttfonts.uharfbuzz`` and ``ShapedStr.__shapeData__``: harfbuzz
  shaping of one run, its glyph clusters and advances (``text_lines``);
* a TrueType face's ``charToGlyph``, ``name`` and ``subfontNameX``: the characters a font
  really has, and the name it is embedded under;
* the canvas's ``_doc``, ``_code``, ``_formsinuse`` and ``_currentPageHasImages`` and
  ``PDFImageXObject``'s fields: an image registered once per PDF from samples already encoded,
  as ``Canvas.drawImage`` registers its own (``pictures``).

When one of those tests fails after an upgrade: adapt the function here from the new
reportlab's source (``drawImage``/``PDFImageXObject`` in ``pdfgen/canvas.py`` and
``pdfbase/pdfdoc.py``, shaping in ``pdfbase/ttfonts.py``), or fall back to the public call
named in its docstring. reportlab is bounded to one minor release in pyproject.toml (the
policy: docs/dependencies.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from reportlab import rl_config
from reportlab.lib.abag import ABag
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfbase.ttfonts import ShapedStr, TTFont
from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "ShapedStr",
    "binary_streams",
    "EncodedImage",
    "ShapedRun",
    "draw_encoded_image",
    "embedded_font_name",
    "font_code_points",
    "install_to_unicode_cmap",
    "shape_run",
    "shaped_advance",
    "shaping_available",
]

ToUnicodeCMap = Callable[[str, Sequence[int]], str]


def install_to_unicode_cmap(make_cmap: ToUnicodeCMap) -> ToUnicodeCMap:
    """Have reportlab build every embedded TrueType subset's ToUnicode CMap with ``make_cmap``
    (called with the subset's font name and its character codes); returns the one it replaces.

    Public fallback: none; without it extracted text of shaped scripts is wrong, not the PDF.
    """
    previous: ToUnicodeCMap = ttfonts.makeToUnicodeCMap
    ttfonts.makeToUnicodeCMap = make_cmap
    return previous


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Let reportlab write binary streams instead of ASCII85 while in this block.

    ASCII85 makes images 25% larger and, without reportlab's C accelerator, is encoded in
    pure Python: most of the time of a small stamp. Another thread writing a PDF meanwhile
    may get either form; both are valid PDF. Public fallback: ``Canvas(..., useA85=0)`` does
    not reach images registered outside ``drawImage``; leaving ASCII85 on is correct, slower.
    """
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def font_code_points(font: TTFont) -> frozenset[int]:
    """The code points ``font`` has glyphs for (private-use ones left out: shaping adds those)."""
    return frozenset(c for c in font.face.charToGlyph if not 0xE000 <= c <= 0xF8FF)


def embedded_font_name(font_name: str) -> str:
    """The name reportlab embeds registered font ``font_name`` under (after the subset tag)."""
    face = pdfmetrics.getFont(font_name).face
    return str((face.name + face.subfontNameX).decode("latin-1"))


def shaping_available() -> bool:
    """True when reportlab found uharfbuzz, so Arabic joins and Indic clusters form."""
    return ttfonts.uharfbuzz is not None


@dataclass(frozen=True)
class ShapedRun:
    """One run as harfbuzz shaped it: glyphs in visual order, and per glyph its cluster (the
    index of the first character it comes from) and advance in thousandths of an em."""

    text: str  # a ShapedStr when shaped, else the (possibly changed) plain text
    clusters: tuple[int, ...]
    advances: tuple[int, ...]


def shape_run(text: str, font_name: str, features: dict[str, bool]) -> ShapedRun:
    """Shape ``text`` in registered font ``font_name`` with harfbuzz ``features``.

    Public fallback: none in reportlab 4-5 for one run; unshaped text is still readable.
    """
    word = ttfonts.shapeFragWord(
        [0, (ABag(fontName=font_name, fontSize=10.0), text)], features=features
    )
    if len(word) != 2 or not isinstance(word[1][1], ShapedStr):
        return ShapedRun("".join(part[1] for part in word[1:]), (), ())
    shaped: ShapedStr = word[1][1]
    data = shaped.__shapeData__
    return ShapedRun(shaped, tuple(d.cluster for d in data), tuple(d.x_advance for d in data))


def shaped_advance(text: str) -> float | None:
    """The width of a shaped string in thousandths of an em; None for plain text."""
    if isinstance(text, ShapedStr):
        return float(sum(d.x_advance for d in text.__shapeData__))
    return None


class _EncodedImage(PDFImageXObject):
    """An image XObject from samples that are already encoded."""

    def __init__(
        self, name: str, width: int, height: int, space: str, data: bytes, filter_: str
    ) -> None:
        self.name = name
        self.width = width
        self.height = height
        self.bitsPerComponent = 8
        self.colorSpace = space
        self._filters = (filter_,)
        self.streamContent = data
        self.mask = None


class EncodedImage(Protocol):
    """8-bit samples ready for a PDF image XObject (``pictures.Picture`` is one)."""

    @property
    def key(self) -> str: ...  # one image per key in a PDF
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def color_space(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def filter(self) -> str: ...
    @property
    def alpha(self) -> bytes | None: ...
    @property
    def inverted(self) -> bool: ...


def draw_encoded_image(
    canvas: Canvas, image: EncodedImage, x: float, y: float, width: float, height: float
) -> None:
    """Draw ``image`` stretched to the box at (x, y), registering it once per PDF.

    Registered under the names ``Canvas.drawImage`` uses for the same job. Public fallback:
    ``canvas.drawImage`` with a PIL image (decodes, hashes and compresses on every draw).
    """
    doc: Any = canvas._doc
    name = doc.getXObjectName(image.key)
    if doc.idToObject.get(name) is None:
        xobject = _EncodedImage(image.key, image.width, image.height, image.color_space,
                                image.data, image.filter)  # fmt: skip
        if image.inverted:
            xobject._decode = [1, 0] * 4
        doc.Reference(xobject, name)
        doc.addForm(image.key, xobject)
        if image.alpha is not None:
            mask_key = f"{image.key}A"
            mask = _EncodedImage(mask_key, image.width, image.height, "DeviceGray",
                                 image.alpha, "FlateDecode")  # fmt: skip
            xobject.smask = doc.Reference(mask, doc.getXObjectName(mask_key))
    canvas._currentPageHasImages = 1
    canvas._formsinuse.append(image.key)
    canvas._code.append(f"q {fp_str(width, 0, 0, height, x, y)} cm /{name} Do Q")
