"""Word-by-word differences between two wordings of a proposal, for the "what changed" view between rounds."""

import difflib
import re
from dataclasses import dataclass

TOKEN_RE = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "added" or "removed"
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """Pieces of text marked as kept, added or removed; whitespace stays with its words."""
    a, b = TOKEN_RE.findall(old or ""), TOKEN_RE.findall(new or "")
    pieces: list[Piece] = []
    # Words are compared without their trailing spaces, so "April" at the end matches "April " mid-sentence.
    matcher = difflib.SequenceMatcher(a=[t.strip() for t in a], b=[t.strip() for t in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


def has_changes(pieces: list[Piece]) -> bool:
    return any(piece.kind != "same" and piece.text.strip() for piece in pieces)
