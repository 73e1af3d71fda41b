"""A small page layout for the certificate of completion, drawn straight onto a reportlab canvas.

The certificate is a column of blocks: wrapped text, spacing, rules, two kinds of table and the
signers' pictures. Each block is measured once, at its final width, when it is made; the blocks
are then placed on pages top to bottom (tables break between rows and repeat their header, text
breaks between lines, a :class:`Keep` moves to a new page rather than break), and drawn.

reportlab's platypus did this before. Its tables measure each cell several times, and half of
the certificate's time went there; this makes one pass of each kind, because every width on the
certificate is known in advance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from signet.pdf import fonts
from signet.pdf.pictures import Picture, draw_picture, read_picture
from signet.pdf.text_lines import TextBatch

__all__ = [
    "Gap",
    "Keep",
    "Lines",
    "Figure",
    "Framed",
    "Page",
    "Rule",
    "Table",
    "draw_page",
    "figure",
    "lay_out",
    "text",
]


class Block(Protocol):
    """Something placed on the page: ``height`` points tall, drawn from its top edge down."""

    @property
    def height(self) -> float: ...

    def draw(self, canvas: Canvas, x: float, top: float, pen: TextBatch) -> None: ...


@dataclass
class Lines:
    """Text wrapped to a width: its lines, in one size, weight, colour and alignment."""

    lines: list[str]
    size: float
    bold: bool
    color: Color
    align: fonts.Align
    leading: float
    width: float
    space_after: float = 0.0

    @property
    def height(self) -> float:
        return len(self.lines) * self.leading + self.space_after

    def draw(self, canvas: Canvas, x: float, top: float, pen: TextBatch) -> None:
        baseline = top - self.size
        for line in self.lines:
            if line:
                pen.add(x, baseline, line, self.size, self.color, bold=self.bold,
                        align=self.align, width=self.width)  # fmt: skip
            baseline -= self.leading

    def split(self, room: float, page: float = 0.0) -> tuple[Lines, Lines] | None:
        """The lines that fit in ``room`` points, and the rest; None if none or all fit.

        Text breaks at the foot of any page, as a paragraph does; ``page`` is not needed.
        """
        fit = int(room // self.leading)
        if fit < 1 or fit >= len(self.lines):
            return None
        first = Lines(self.lines[:fit], self.size, self.bold, self.color, self.align,
                      self.leading, self.width)  # fmt: skip
        rest = Lines(self.lines[fit:], self.size, self.bold, self.color, self.align,
                     self.leading, self.width, self.space_after)  # fmt: skip
        return first, rest


def text(
    value: str,
    width: float,
    size: float = 9.0,
    *,
    bold: bool = False,
    color: Color,
    align: fonts.Align = "left",
    space_after: float = 0.0,
) -> Lines:
    """``value`` wrapped to ``width`` points, with a leading of 1.3 times the size."""
    lines = fonts.wrap_text(value, size, max(width, 1.0), bold)
    return Lines(lines, size, bold, color, align, size * 1.3, width, space_after)


@dataclass
class Gap:
    """Vertical space; none at the top of a page."""

    height: float

    def draw(self, canvas: Canvas, x: float, top: float, pen: TextBatch) -> None:
        pass


@dataclass
class Rule:
    """A horizontal line across ``width`` points."""

    width: float
    thickness: float
    color: Color
    height: float = 0.1

    def draw(self, canvas: Canvas, x: float, top: float, pen: TextBatch) -> None:
        canvas.setStrokeColor(self.color)
        canvas.setLineWidth(self.thickness)
        canvas.line(x, top, x + self.width, top)


@dataclass
class Figure:
    """A picture scaled to a size, drawn with its transparency."""

    picture: Picture
    width: float
    height: float

    def draw(self, canvas: Canvas, x: float, top: float, pen: TextBatch) -> None:
        draw_picture(canvas, self.picture, x, top - self.height, self.width, self.height)


def figure(data: bytes, max_width: float, max_height: float) -> Figure | None:
    """The image file ``data`` scaled to fit the box, or None when it cannot be read."""
    try:
        picture = read_picture(data)
    except ValueError:
        return None
    if picture.width < 1 or picture.height < 1:
        return None
    scale = min(max_width / picture.width, max_height / picture.height)
    return Figure(picture, picture.width * scale, picture.height * scale)


@dataclass
class Framed:
    """Pictures side by side, each in a thin frame, centred on one another vertically."""

    pictures: Sequence[Figure]
    frame: Color
    pad_x: float = 4.0
    pad_y: float = 3.0

    @property
    def height(self) -> float:
        return max(p.height for p in self.pictures) + 2 * self.pad_y

    def draw(self, canvas: Canvas, x: float, top: float, pen: TextBatch) -> None:
        height = self.height
        canvas.setStrokeColor(self.frame)
        canvas.setLineWidth(0.4)
        for p in self.pictures:
            width = p.width + 2 * self.pad_x
            canvas.rect(x, top - height, width, height, stroke=1, fill=0)
            p.draw(canvas, x + self.pad_x, top - (height - p.height) / 2, pen)
            x += width


Cell = Lines | Framed | None


@dataclass
class _Row:
    cells: Sequence[Cell]
    height: float


@dataclass
class Table:
    """Rows of cells in fixed columns, top-aligned, with a rule below rows.

    ``header`` rows repeat at the top of every page the table runs onto; ``rules(i, n)`` gives
    the rule (thickness, colour) under row ``i`` of the whole table's ``n``, the last one
    included, or None for none.
    """

    columns: Sequence[float]  # widths
    rows: list[_Row]
    header: int = 0
    pad_left: Sequence[float] = (0.0,)  # per column; the last value serves the rest
    pad_right: float = 4.0
    pad_top: float = 2.0
    pad_bottom: float = 2.0
    rules: Callable[[int, int], tuple[float, Color] | None] = lambda i, n: None
    row_offset: int = 0  # body rows of the whole table before this part's, for ``rules``
    total_rows: int = 0

    @classmethod
    def of(
        cls,
        columns: Sequence[float],
        rows: Sequence[Sequence[Cell]],
        *,
        header: int = 0,
        pad_left: Sequence[float] = (0.0,),
        pad_right: float = 4.0,
        pad_y: float = 2.0,
        rules: Callable[[int, int], tuple[float, Color] | None] = lambda i, n: None,
    ) -> Table:
        measured = [
            _Row(cells, max((c.height for c in cells if c is not None), default=0.0) + 2 * pad_y)
            for cells in rows
        ]
        return cls(columns, measured, header, pad_left, pad_right, pad_y, pad_y, rules, 0,
                   len(measured))  # fmt: skip

    def _pad_left(self, column: int) -> float:
        return self.pad_left[min(column, len(self.pad_left) - 1)]

    @property
    def height(self) -> float:
        return sum(r.height for r in self.rows)

    def draw(self, canvas: Canvas, x: float, top: float, pen: TextBatch) -> None:
        width = sum(self.columns)
        for i, row in enumerate(self.rows):
            left = x
            for column, cell in enumerate(row.cells):
                if cell is not None:
                    cell.draw(canvas, left + self._pad_left(column), top - self.pad_top, pen)
                left += self.columns[column]
            top -= row.height
            index = i if i < self.header else self.row_offset + i
            rule = self.rules(index, self.total_rows)
            if rule is not None:
                canvas.setStrokeColor(rule[1])
                canvas.setLineWidth(rule[0])
                canvas.line(x, top, x + width, top)

    def split(self, room: float, page: float) -> tuple[Table, Table] | None:
        """The rows that fit in ``room`` and the rest, headed again; None to move it whole.

        A row that does not fit moves to the next page, under the header, unless the two are
        taller than a whole page (``page`` points): then the row is broken between its lines,
        or, when it cannot be (it holds pictures), it has a page of its own, cut off at the foot.
        """
        head = self.rows[: self.header]
        used = sum(r.height for r in head)
        fit = self.header
        while fit < len(self.rows) and used + self.rows[fit].height <= room:
            used += self.rows[fit].height
            fit += 1
        if fit == len(self.rows):
            return None
        body = self.rows[fit:]
        row = body[0]
        head_height = sum(r.height for r in head)
        if fit > self.header:
            done, fitted = fit - self.header, self.rows[self.header : fit]
            broken = None
            if head_height + row.height > page:  # it breaks on any page: start it here
                broken = self._break_row(row, room - used)
            if broken is not None:
                return (
                    self._part(head, [*fitted, broken[0]], self.row_offset),
                    self._part(head, [broken[1], *body[1:]], self.row_offset + done),
                )
            return (
                self._part(head, fitted, self.row_offset),
                self._part(head, body, self.row_offset + done),
            )
        if head_height + row.height <= page:
            return None  # fits on the next page
        broken = self._break_row(row, room - used)
        if broken is not None:
            return (
                self._part(head, [broken[0]], self.row_offset),
                self._part(head, [broken[1], *body[1:]], self.row_offset),  # the same row, on
            )
        if room < page or len(body) == 1:
            return None  # moved to a page of its own, or drawn as it is there
        return (
            self._part(head, [row], self.row_offset),
            self._part(head, body[1:], self.row_offset + 1),
        )

    def _part(self, head: list[_Row], rows: list[_Row], offset: int) -> Table:
        return Table(self.columns, [*head, *rows], self.header, self.pad_left,
                     self.pad_right, self.pad_top, self.pad_bottom, self.rules, offset,
                     self.total_rows)  # fmt: skip

    def _break_row(self, row: _Row, room: float) -> tuple[_Row, _Row] | None:
        inner = room - self.pad_top - self.pad_bottom
        firsts: list[Cell] = []
        rests: list[Cell] = []
        for cell in row.cells:
            parts = cell.split(inner) if isinstance(cell, Lines) else None
            if parts is None and isinstance(cell, Lines) and cell.height <= inner:
                parts = (cell, Lines([], cell.size, cell.bold, cell.color, cell.align,
                                     cell.leading, cell.width))  # fmt: skip
            if parts is None:
                return None  # a picture, or not even one line fits: move the row instead
            firsts.append(parts[0])
            rests.append(parts[1])
        pads = self.pad_top + self.pad_bottom
        heights = [max((c.height for c in cells if c is not None), default=0.0) + pads
                   for cells in (firsts, rests)]  # fmt: skip
        return _Row(firsts, heights[0]), _Row(rests, heights[1])


@dataclass
class Keep:
    """Blocks kept on one page when they fit on one (a signer's name with their details)."""

    blocks: list[Block]

    @property
    def height(self) -> float:
        return sum(b.height for b in self.blocks)

    def _space(self, blocks: Sequence[Block]) -> float:
        """The height of the Gaps that ``blocks`` start with."""
        space = 0.0
        for block in blocks:
            if not isinstance(block, Gap):
                break
            space += block.height
        return space

    @property
    def height_at_top(self) -> float:
        """The height at the top of a page, where its leading space is dropped."""
        return self.height - self._space(self.blocks)

    @property
    def height_needed(self) -> float:
        """The room it needs on a page: space after its last block may fall past the foot."""
        return self.height - self._space(self.blocks[::-1])


@dataclass
class Page:
    """One laid-out page: each block with the y of its top edge."""

    placed: list[tuple[Block, float]] = field(default_factory=list)


def lay_out(blocks: Sequence[Block | Keep], top: float, bottom: float) -> list[Page]:
    """Place ``blocks`` on pages whose body runs from ``top`` down to ``bottom``."""
    pages = [Page()]
    y = top
    page = top - bottom
    queue: list[Block | Keep] = list(reversed(blocks))
    while queue:
        block = queue.pop()
        room = y - bottom
        at_top = not pages[-1].placed
        if isinstance(block, Gap):
            if not at_top:
                y -= min(block.height, room)
            continue
        if isinstance(block, Keep):
            content = block.height_at_top - (block.height - block.height_needed)
            if block.height_needed <= room or at_top or block.height_at_top > page or content <= 0:
                queue.extend(reversed(block.blocks))  # fits here, or on no page: flow it
            else:
                pages.append(Page())
                y = top
                queue.append(block)
            continue
        if block.height <= room:
            pages[-1].placed.append((block, y))
            y -= block.height
            continue
        split = getattr(block, "split", None)
        parts = split(room, page) if split is not None else None
        if parts is not None:
            pages[-1].placed.append((parts[0], y))
            queue.append(parts[1])
        elif at_top:  # taller than a page and cannot break: drawn, its foot cut off
            pages[-1].placed.append((block, y))
            y -= block.height
            continue
        else:
            queue.append(block)
        pages.append(Page())
        y = top
    return pages


def draw_page(canvas: Canvas, page: Page, x: float, pen: TextBatch) -> None:
    """Draw one laid-out page's blocks, their text into ``pen``; the caller flushes it."""
    for block, top in page.placed:
        block.draw(canvas, x, top, pen)
