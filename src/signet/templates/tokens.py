"""Fill ``[Token.Name]`` placeholders of a template's document with the values of the day.

Each placeholder found in the PDF text is cut out of the page's text (or, where that cannot be
done, covered with a white box) and the value is written in its place, on the same baseline;
the result is checked and stored as a new blob, so the template's own document never changes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.models import Blob
from signet.pdf.anchors import cover_boxes, erase_text, find_tokens, token_cover
from signet.signing.documents import check_pdf, store_pdf
from signet.storage import BlobStore


def fill_tokens(session: Session, store: BlobStore, blob: Blob, values: dict[str, str]) -> Blob:
    """The blob with every placeholder named in ``values`` replaced by its value."""
    data = store.get(blob.sha256)
    boxes = [box for box in find_tokens(data) if box.text in values]
    if not boxes:
        return blob
    data, erased = erase_text(data, boxes, [len(b.text) + 2 for b in boxes])
    covers = [
        token_cover(box, values[box.text], fill=not gone)
        for box, gone in zip(boxes, erased, strict=True)
    ]
    return store_pdf(session, store, check_pdf(cover_boxes(data, covers)))
