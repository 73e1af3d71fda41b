"""Convert a box given in PDF points from a page corner to Signet's percent-of-page, top-left
geometry, and back. Pure arithmetic; the page size comes from the stored Blob's ``page_sizes``.
"""

from __future__ import annotations

from dataclasses import dataclass

ANCHORS = ("topleft", "topright", "bottomleft", "bottomright")


@dataclass(frozen=True)
class PointBox:
    """A box in points. ``offset_x``/``offset_y`` place the box's corner named by ``anchor``
    relative to the same corner of the page, x growing rightwards and y downwards (so offsets
    from a right or bottom anchor are usually negative)."""

    page: int
    offset_x: float = 0.0
    offset_y: float = 0.0
    width: float | None = None
    height: float | None = None
    anchor: str = "topleft"


def page_size(
    page_sizes: list[list[float]] | list[tuple[float, float]], page: int
) -> tuple[float, float] | None:
    if 1 <= page <= len(page_sizes):
        w, h = page_sizes[page - 1]
        return float(w), float(h)
    return None


def to_percent(
    box: PointBox, size: tuple[float, float]
) -> tuple[float, float, float | None, float | None]:
    """(x, y, width, height) in percent of the page, top-left origin; sizes None stay None."""
    pw, ph = size
    w = box.width or 0.0
    h = box.height or 0.0
    left = box.offset_x if box.anchor in ("topleft", "bottomleft") else pw + box.offset_x - w
    top = box.offset_y if box.anchor in ("topleft", "topright") else ph + box.offset_y - h
    return (
        round(left / pw * 100, 4),
        round(top / ph * 100, 4),
        round(w / pw * 100, 4) if box.width is not None else None,
        round(h / ph * 100, 4) if box.height is not None else None,
    )


def to_points(
    x: float, y: float, width: float, height: float, size: tuple[float, float]
) -> tuple[float, float, float, float]:
    """(offset_x, offset_y, width, height) in points from the top-left corner."""
    pw, ph = size
    return (
        round(x * pw / 100, 2),
        round(y * ph / 100, 2),
        round(width * pw / 100, 2),
        round(height * ph / 100, 2),
    )
