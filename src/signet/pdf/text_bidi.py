"""Right-to-left ordering of one line of typed text: the implicit rules of UAX #9 (levels,
reordering) and the mirroring of brackets in right-to-left runs."""

from __future__ import annotations

import unicodedata
from typing import Any

_MIRROR = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))
# Explicit bidi controls: the simplified algorithm below orders by implicit rules only.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                                       "\u2066\u2067\u2068\u2069"))  # fmt: skip


def _bidi_levels(text: str) -> tuple[list[int], bool]:
    """Embedding level of every character, and whether the paragraph is right-to-left."""
    types = [unicodedata.bidirectional(c) or "L" for c in text]
    rtl = next((t in ("R", "AL") for t in types if t in ("L", "R", "AL")), False)
    base = "R" if rtl else "L"
    # W1-W3: marks take the type before them; digits after Arabic letters are Arabic digits.
    strong = base
    for i, t in enumerate(types):
        if t == "NSM":
            t = types[i - 1] if i else base
        if t == "EN" and strong == "AL":
            t = "AN"
        if t in ("L", "R", "AL"):
            strong = t
        types[i] = "R" if t == "AL" else t
    # W4-W7: separators inside numbers, currency signs next to numbers, digits after Latin.
    for i in range(1, len(types) - 1):
        if types[i] in ("ES", "CS") and types[i - 1] == types[i + 1] == "EN":
            types[i] = "EN"
        elif types[i] == "CS" and types[i - 1] == types[i + 1] == "AN":
            types[i] = "AN"
    for i, t in enumerate(types):
        if t == "ET" and (
            (i and types[i - 1] == "EN") or (i + 1 < len(types) and types[i + 1] == "EN")
        ):
            types[i] = "EN"
    strong = base
    for i, t in enumerate(types):
        if t in ("L", "R"):
            strong = t
        elif t == "EN" and strong == "L":
            types[i] = "L"
    # N1-N2: neutrals between two of the same direction take it, others the paragraph's.
    resolved = ["R" if t in ("EN", "AN") and t != "L" else t for t in types]
    i = 0
    while i < len(types):
        if resolved[i] in ("L", "R"):
            i += 1
            continue
        j = i
        while j < len(types) and resolved[j] not in ("L", "R"):
            j += 1
        before = resolved[i - 1] if i else base
        after = resolved[j] if j < len(types) else base
        direction = before if before == after else base
        for k in range(i, j):
            types[k] = direction
        i = j
    # I1-I2: levels relative to the paragraph level.
    levels = []
    for t in types:
        if rtl:
            levels.append(1 if t == "R" else 2)
        else:
            levels.append({"L": 0, "R": 1}.get(t, 2))
    return levels, rtl


def _reorder(items: list[Any], levels: list[int]) -> list[Any]:
    """Rule L2: reverse every run at or above each odd level, from the highest down."""
    order = list(range(len(items)))
    if not levels:
        return []
    top = max(levels)
    low_odd = min((lv for lv in levels if lv % 2), default=top + 1)
    for level in range(top, low_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return [items[k] for k in order]


def _mirror_reverse(text: str) -> str:
    return "".join(_MIRROR.get(c, c) for c in reversed(text))
