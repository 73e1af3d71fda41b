"""Right-to-left ordering of one line of text: the Unicode Bidirectional Algorithm (UAX #9).

The whole algorithm for a single paragraph: explicit embeddings, overrides and isolates
(X1-X10), weak and neutral types with bracket pairs (W1-W7, N0-N2), implicit levels (I1-I2),
the line's trailing whitespace (L1), reordering (L2) and mirrored glyphs (L4). It is tested
against the Unicode conformance data (BidiCharacterTest.txt) in tests/pdf/test_text_bidi.py.
Character types come from ``unicodedata``; bracket pairs and mirror glyphs, which it lacks,
from ``bidi_tables`` (generated from the Unicode Character Database).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, NamedTuple

from signet.pdf.bidi_tables import CLOSING_BRACKETS, MIRRORED, OPENING_BRACKETS

__all__ = ["BIDI_CONTROLS", "bidi_levels", "mirror_reverse", "reorder", "visual_order"]

# Invisible bidi controls: they set levels, and are not drawn.
BIDI_CONTROLS = frozenset(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                                       "\u2066\u2067\u2068\u2069"))  # fmt: skip
_MAX_DEPTH = 125
_STRONG = frozenset({"L", "R", "AL"})
_EMBEDDINGS = frozenset({"LRE", "RLE", "LRO", "RLO"})
_INITIATORS = frozenset({"LRI", "RLI", "FSI"})
_REMOVED = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "BN"})  # by rule X9
# Types that can make a level other than the paragraph's, in a left-to-right paragraph.
_RIGHT_TO_LEFT = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI",
                            "FSI", "PDI"})  # fmt: skip
_NEUTRAL_OR_ISOLATE = frozenset({"B", "S", "WS", "ON", "LRI", "RLI", "FSI", "PDI"})


def _bidi_class(char: str) -> str:
    # Unassigned code points read as "" here; L is UAX #9's default for most of them.
    return unicodedata.bidirectional(char) or "L"


def _first_strong(types: Sequence[str], start: int, end: int) -> int | None:
    """Rules P2-P3: 0 or 1 for the first strong type outside isolates, None if there is none."""
    depth = 0
    for i in range(start, end):
        t = types[i]
        if t in _INITIATORS:
            depth += 1
        elif t == "PDI":
            depth = max(depth - 1, 0)
        elif t == "B":
            break
        elif depth == 0 and t in _STRONG:
            return 0 if t == "L" else 1
    return None


def _matching_pdis(types: Sequence[str]) -> dict[int, int]:
    """Rule BD9: each isolate initiator's matching PDI (paragraph ends at B)."""
    open_: list[int] = []
    match: dict[int, int] = {}
    for i, t in enumerate(types):
        if t in _INITIATORS:
            open_.append(i)
        elif t == "PDI" and open_:
            match[open_.pop()] = i
        elif t == "B":
            open_.clear()
    return match


class _Entry(NamedTuple):
    level: int
    override: str | None
    isolate: bool


def _explicit_levels(types: list[str], para: int, match: dict[int, int]) -> list[int]:
    """Rules X1-X8: every character's embedding level; overrides rewrite ``types``."""
    stack = [_Entry(para, None, False)]
    overflow_isolates = overflow_embeddings = valid_isolates = 0
    levels = [para] * len(types)
    for i, t in enumerate(types):
        top = stack[-1]
        if t in _EMBEDDINGS:
            level = (top.level + 1) | 1 if t in ("RLE", "RLO") else (top.level + 2) & ~1
            levels[i] = top.level
            if level <= _MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                override = {"LRO": "L", "RLO": "R"}.get(t)
                stack.append(_Entry(level, override, False))
            elif not overflow_isolates:
                overflow_embeddings += 1
        elif t in _INITIATORS:
            levels[i] = top.level
            if top.override:
                types[i] = top.override
            rtl = t == "RLI"
            if t == "FSI":
                rtl = _first_strong(types, i + 1, match.get(i, len(types))) == 1
            level = (top.level + 1) | 1 if rtl else (top.level + 2) & ~1
            if level <= _MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                valid_isolates += 1
                stack.append(_Entry(level, None, True))
            else:
                overflow_isolates += 1
        elif t == "PDI":
            if overflow_isolates:
                overflow_isolates -= 1
            elif valid_isolates:
                overflow_embeddings = 0
                while not stack[-1].isolate:
                    stack.pop()
                stack.pop()
                valid_isolates -= 1
            top = stack[-1]
            levels[i] = top.level
            if top.override:
                types[i] = top.override
        elif t == "PDF":
            levels[i] = top.level
            if overflow_isolates:
                pass
            elif overflow_embeddings:
                overflow_embeddings -= 1
            elif not top.isolate and len(stack) > 1:
                stack.pop()
        elif t == "B":
            levels[i] = para
        else:
            levels[i] = top.level
            if top.override and t != "BN":
                types[i] = top.override
    return levels


def _sequences(kept: list[int], levels: list[int], types: list[str], match: dict[int, int]):  # type: ignore[no-untyped-def]
    """Rule X10: the isolating run sequences, as lists of positions in ``kept`` order."""
    runs: list[list[int]] = []
    for i in kept:
        if runs and levels[runs[-1][-1]] == levels[i]:
            runs[-1].append(i)
        else:
            runs.append([i])
    starting = {run[0]: run for run in runs}
    matched_pdis = set(match.values())
    sequences = []
    for run in runs:
        if run[0] in matched_pdis and types[run[0]] == "PDI":
            continue  # continues the sequence of its isolate initiator
        sequence = list(run)
        while sequence[-1] in match and match[sequence[-1]] in starting:
            sequence.extend(starting[match[sequence[-1]]])
        sequences.append(sequence)
    return sequences


def _bracket_pairs(seq: list[int], types: list[str], text: str) -> list[tuple[int, int]]:
    """Rule BD16: the bracket pairs of a sequence, as positions in it, by opening position."""
    stack: list[tuple[int, int]] = []  # (closing bracket code point, position)
    pairs = []
    for k, i in enumerate(seq):
        if types[i] != "ON":
            continue
        code = _canonical_bracket(text[i])
        if code in OPENING_BRACKETS:
            if len(stack) == 63:
                break
            stack.append((_canonical_bracket(chr(OPENING_BRACKETS[code])), k))
        elif code in CLOSING_BRACKETS:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == code:
                    pairs.append((stack[depth][1], k))
                    del stack[depth:]
                    break
    return sorted(pairs)


def _canonical_bracket(char: str) -> int:
    # The brackets with a canonical decomposition (U+2329/U+232A to U+3008/U+3009) pair as it.
    code = ord(char)
    if code in OPENING_BRACKETS or code in CLOSING_BRACKETS:
        decomposed = unicodedata.decomposition(char)
        if decomposed and not decomposed.startswith("<"):
            return int(decomposed, 16)
    return code


def _strong_of(t: str) -> str | None:
    """The direction a resolved type counts as in rules N0-N1 (numbers count as R)."""
    if t == "L":
        return "L"
    if t in ("R", "AL", "EN", "AN"):
        return "R"
    return None


def _resolve_sequence(
    seq: list[int], types: list[str], original: list[str], levels: list[int], text: str,
    sos: str, eos: str,
) -> None:  # fmt: skip
    """Rules W1-W7, N0-N2 and I1-I2 for one isolating run sequence, in place."""
    t = [types[i] for i in seq]
    n = len(t)
    # W1: a nonspacing mark takes the type before it (ON after an isolate initiator or PDI).
    for k in range(n):
        if t[k] == "NSM":
            if k == 0:
                t[k] = sos
            else:
                t[k] = "ON" if t[k - 1] in _INITIATORS or t[k - 1] == "PDI" else t[k - 1]
    # W2-W3: European digits after Arabic letters are Arabic; AL is R.
    strong = sos
    for k in range(n):
        if t[k] in _STRONG:
            strong = t[k]
        elif t[k] == "EN" and strong == "AL":
            t[k] = "AN"
    t = ["R" if x == "AL" else x for x in t]
    # W4: one separator between two numbers of a kind joins them.
    for k in range(1, n - 1):
        if t[k] == "ES" and t[k - 1] == t[k + 1] == "EN":
            t[k] = "EN"
        elif t[k] == "CS" and t[k - 1] == t[k + 1] and t[k - 1] in ("EN", "AN"):
            t[k] = t[k - 1]
    # W5: terminators next to European numbers are part of them.
    k = 0
    while k < n:
        if t[k] == "ET":
            end = k
            while end < n and t[end] == "ET":
                end += 1
            if (k and t[k - 1] == "EN") or (end < n and t[end] == "EN"):
                t[k:end] = ["EN"] * (end - k)
            k = end
        else:
            k += 1
    # W6-W7: other separators and terminators are neutral; European numbers after L are L.
    t = ["ON" if x in ("ES", "ET", "CS") else x for x in t]
    strong = sos
    for k in range(n):
        if t[k] in ("L", "R"):
            strong = t[k]
        elif t[k] == "EN" and strong == "L":
            t[k] = "L"
    # N0: bracket pairs take the direction of what they enclose, or of their context.
    embedding = "R" if levels[seq[0]] % 2 else "L"
    for open_, close in _bracket_pairs(seq, types, text):
        inside = {_strong_of(x) for x in t[open_ + 1 : close]} - {None}
        if not inside:
            continue
        if embedding in inside:
            direction = embedding
        else:
            before = next((s for x in reversed(t[:open_]) if (s := _strong_of(x)) is not None), sos)
            direction = before if before != embedding else embedding
        for k in (open_, close):
            t[k] = direction
            j = k + 1
            while j < n and original[seq[j]] == "NSM":
                t[j] = direction
                j += 1
    # N1-N2: neutrals between two strong types of one direction take it, others the
    # embedding direction.
    k = 0
    while k < n:
        if t[k] not in _NEUTRAL_OR_ISOLATE:
            k += 1
            continue
        end = k
        while end < n and t[end] in _NEUTRAL_OR_ISOLATE:
            end += 1
        before = (_strong_of(t[k - 1]) or embedding) if k else sos
        after = (_strong_of(t[end]) or embedding) if end < n else eos
        t[k:end] = [before if before == after else embedding] * (end - k)
        k = end
    # I1-I2.
    for k, i in enumerate(seq):
        level = levels[i]
        if level % 2 == 0:
            levels[i] = level + {"R": 1, "AN": 2, "EN": 2}.get(t[k], 0)
        elif t[k] in ("L", "EN", "AN"):
            levels[i] = level + 1


def bidi_levels(text: str, direction: int | None = None) -> tuple[list[int | None], int]:
    """Each character's level on a line of its own, and the paragraph's level (0 or 1).

    ``direction`` 0 or 1 sets the paragraph direction; None finds it from the first strong
    character (rules P2-P3). Characters removed by rule X9 (embedding controls, BN) get None.
    """
    original = [_bidi_class(c) for c in text]
    if direction != 1 and _RIGHT_TO_LEFT.isdisjoint(original):
        # Nothing right-to-left and no control: every character on the left-to-right level 0
        # (most text: Latin, Cyrillic, Greek, CJK), without the rules' passes.
        return [None if t in _REMOVED else 0 for t in original], 0
    types = list(original)
    match = _matching_pdis(types)
    para = direction if direction is not None else (_first_strong(types, 0, len(types)) or 0)
    levels = _explicit_levels(types, para, match)
    embedding = list(levels)  # sos and eos compare embedding levels, not resolved ones
    kept = [i for i, t in enumerate(original) if t not in _REMOVED]
    position = {i: k for k, i in enumerate(kept)}
    for seq in _sequences(kept, levels, types, match):
        first, last = position[seq[0]], position[seq[-1]]
        level = embedding[seq[0]]
        before = embedding[kept[first - 1]] if first else para
        if original[seq[-1]] in _INITIATORS:
            after = para
        else:
            after = embedding[kept[last + 1]] if last + 1 < len(kept) else para
        sos = "R" if max(level, before) % 2 else "L"
        eos = "R" if max(level, after) % 2 else "L"
        _resolve_sequence(seq, types, original, levels, text, sos, eos)
    # L1: separators, and whitespace and isolate controls before them or at the line's end,
    # go back to the paragraph level.
    result: list[int | None] = [None] * len(text)
    trailing = True
    for i in range(len(text) - 1, -1, -1):
        t = original[i]
        if t in _REMOVED:
            continue
        if t in ("S", "B"):
            result[i] = para
            trailing = True
        elif trailing and (t == "WS" or t in _INITIATORS or t == "PDI"):
            result[i] = para
        else:
            trailing = False
            result[i] = levels[i]
    return result, para


def visual_order(levels: Sequence[int | None]) -> list[int]:
    """Rule L2: the positions of the characters with a level, left to right."""
    kept = [i for i, level in enumerate(levels) if level is not None]
    return reorder(kept, [levels[i] for i in kept])  # type: ignore[misc]


def reorder(items: list[Any], levels: list[int]) -> list[Any]:
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


def mirror_reverse(text: str) -> str:
    """A right-to-left run in visual order, each character with its mirror glyph (rule L4)."""
    return "".join(chr(MIRRORED.get(ord(c), ord(c))) for c in reversed(text))
