"""Fill ``[Token.Name]`` placeholders of a template's document with the values of the day.

Each placeholder found in the PDF text is cut out of the page's text (or, where that cannot be
done, covered with a white box) and the value is written in its place, on the same baseline;
the result is a new PDF, which the create checks and stores like any other
(``signing.creation``), so the template's own document never changes.
"""

from __future__ import annotations

from signet.models import Blob
from signet.pdf.anchors import cover_boxes, erase_text, find_tokens, token_cover
from signet.storage import BlobStore


def fill_tokens(store: BlobStore, blob: Blob, values: dict[str, str]) -> bytes | None:
    """The blob's PDF with every placeholder named in ``values`` replaced by its value; None
    when it holds none of them."""
    data = store.get(blob.sha256)
    boxes = [box for box in find_tokens(data) if box.text in values]
    if not boxes:
        return None
    data, erased = erase_text(data, boxes, [len(b.text) + 2 for b in boxes])
    covers = [
        token_cover(box, values[box.text], fill=not gone)
        for box, gone in zip(boxes, erased, strict=True)
    ]
    return cover_boxes(data, covers)
