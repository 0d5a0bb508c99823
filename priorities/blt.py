"""Reader for the BLT ballot interchange format (used by OpenSTV, eSTV, Droop and the Glasgow data).

Layout, one item a line::

    9 4                  number of candidates, number of seats
    -2                   optional: withdrawn candidates as negative numbers (any number of such lines)
    12 1 3 2 0           a ballot line: weight, preferences by candidate number, 0
    1.5 4 0              weights may be decimal; "1 0" is an empty ballot
    0                    end of ballots
    "Susan AITKEN"       one name per candidate, quoted or not; extra quoted fields after it are ignored
    "Ward 7 Langside"    the title

Blank lines, CRLF line endings, padding spaces, a byte-order mark and a missing final newline are all
accepted. Anything else wrong raises :class:`BLTError` with a message naming the line, never a bare Python
exception. Equal rankings ("1=2") are refused because the count needs one candidate per preference.
"""

from __future__ import annotations

import os
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO

from priorities.counting import CountError, RankedBallot, STVResult, count_stv

_QUOTED = re.compile(r'"([^"]*)"')


class BLTError(ValueError):
    """A BLT file that cannot be read; the message names the line."""


@dataclass(frozen=True)
class BLTElection:
    title: str
    candidates: tuple[str, ...]
    seats: int
    ballots: tuple[RankedBallot, ...]
    withdrawn: tuple[str, ...] = ()

    def count(self, *, seed: int | None = None) -> STVResult:
        return count_stv(self.candidates, self.ballots, self.seats, withdrawn=self.withdrawn, seed=seed)


def _integer(token: str, line: int, what: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", token):
        raise BLTError(f"line {line}: {what} {token!r} is not a whole number")
    return int(token)


def _weight(token: str, line: int) -> Decimal:
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", token):
        raise BLTError(f"line {line}: weight {token!r} is not a number of 0 or more")
    try:
        weight = Decimal(token)
    except InvalidOperation as error:  # pragma: no cover - the pattern above only lets numbers through
        raise BLTError(f"line {line}: weight {token!r} is not a number") from error
    if weight != weight.quantize(Decimal("0.00001")):
        raise BLTError(f"line {line}: weight {token} has more than 5 decimal places")
    return weight


def _name(text: str) -> str:
    quoted = _QUOTED.search(text)
    if text.startswith('"'):
        if quoted is None:
            raise ValueError("the closing quote is missing")
        return quoted.group(1).strip()
    return text


class _Lines:
    """The non-blank lines of a BLT file, stripped and with their real line numbers, taken one at a time so that
    a large file is never held as a list of lines."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = ((number, line.strip()) for number, line in enumerate(lines, start=1) if line.strip())
        self._next = next(self._lines, None)
        self.last = 0  # the number of the last line taken

    def peek(self) -> str | None:
        return self._next[1] if self._next else None

    def take(self, expecting: str) -> tuple[int, str]:
        if self._next is None:
            raise BLTError(f"line {self.last + 1}: the file ends early; expected {expecting}")
        found, self._next = self._next, next(self._lines, None)
        self.last = found[0]
        return found


def _is_ballot(tokens: list[str]) -> bool:
    return len(tokens) >= 2 and tokens[-1] == "0"


def parse_blt(text: str) -> BLTElection:
    """Parse the text of a BLT file."""
    return _parse(_Lines(text.lstrip("\ufeff").splitlines()))


def _parse(lines: _Lines) -> BLTElection:
    if lines.peek() is None:
        raise BLTError("line 1: the file is empty")
    number, header = lines.take("the header")
    tokens = header.split()
    if len(tokens) < 2:
        raise BLTError(f"line {number}: the first line must be 'candidates seats', not {header!r}")
    candidates = _integer(tokens[0], number, "number of candidates")
    seats = _integer(tokens[1], number, "number of seats")
    if candidates < 1:
        raise BLTError(f"line {number}: there must be at least one candidate, not {candidates}")
    if seats < 1:
        raise BLTError(f"line {number}: there must be at least one seat, not {seats}")
    withdrawn_numbers: list[int] = []
    # Some writers put the withdrawn candidates on the header line itself.
    withdrawn_tokens = [(number, token) for token in tokens[2:]]
    # A line of negative numbers is withdrawn candidates; one ending in 0 is a ballot with a negative weight.
    while (line := lines.peek()) is not None and line.startswith("-") and not _is_ballot(line.split()):
        line_number, line = lines.take("withdrawn candidates")
        withdrawn_tokens += [(line_number, token) for token in line.split()]
    for line_number, token in withdrawn_tokens:
        value = _integer(token, line_number, "withdrawn candidate")
        if not -candidates <= value < 0:
            raise BLTError(
                f"line {line_number}: withdrawn candidate {token} must be between -{candidates} and -1"
            )
        withdrawn_numbers.append(-value)

    # Real ballot files repeat the same line many times: each distinct line is checked and stored once, and the
    # ballots share it (4 bytes a line for its index, rather than a list, a Decimal and a ballot of its own).
    distinct: dict[tuple[str, tuple[str, ...]], int] = {}
    distinct_lines: list[tuple[Decimal, tuple[int, ...]]] = []
    ballot_lines = array("L")
    while True:
        line_number, line = lines.take("ballot lines and then a line '0' (the file looks truncated)")
        if line == "0":
            break
        if "=" in line:
            raise BLTError(
                f"line {line_number}: equal rankings ('=') are not supported; rank one candidate per place"
            )
        tokens = line.split()
        if tokens[0].startswith("("):
            # Some writers give each ballot an id in brackets before the weight.
            tokens = tokens[1:]
            if not tokens:
                raise BLTError(f"line {line_number}: a ballot id with no ballot after it")
        if tokens[0].startswith("-"):
            if _is_ballot(tokens):
                raise BLTError(f"line {line_number}: weight {tokens[0]} is negative; a weight must be 0 or more")
            raise BLTError(
                f"line {line_number}: {line[:40]!r} looks like withdrawn candidates, which go straight after "
                "the first line, before the ballots"
            )
        if not re.match(r"[\d.]", tokens[0]):
            raise BLTError(
                f"line {line_number}: expected a ballot line or 0, found {line[:40]!r} "
                "(is the 0 line that ends the ballots missing?)"
            )
        key = (tokens[0], tuple(tokens[1:]))
        index = distinct.get(key)
        if index is None:
            index = distinct[key] = len(distinct_lines)
            distinct_lines.append(_ballot_line(tokens, line_number, candidates))
        ballot_lines.append(index)

    names: list[str] = []
    for index in range(1, candidates + 1):
        line_number, line = lines.take(f"{candidates} candidate names, found {len(names)}")
        try:
            name = _name(line)
        except ValueError as error:
            raise BLTError(f"line {line_number}: candidate {index}'s name: {error}") from error
        if not name:
            raise BLTError(f"line {line_number}: candidate {index} has an empty name")
        if name in names:
            raise BLTError(f"line {line_number}: candidate name {name!r} appears twice")
        names.append(name)

    title = ""
    if lines.peek() is not None:
        line_number, line = lines.take("the title")
        try:
            title = _name(line)
        except ValueError as error:
            raise BLTError(f"line {line_number}: the title: {error}") from error
    if lines.peek() is not None:
        line_number, line = lines.take("nothing more")
        raise BLTError(
            f"line {line_number}: unexpected text after the title ({line[:40]!r}); "
            f"are there more than {candidates} names?"
        )

    shared = [
        RankedBallot(tuple(names[p - 1] for p in preferences), weight) for weight, preferences in distinct_lines
    ]
    return BLTElection(
        title=title,
        candidates=tuple(names),
        seats=seats,
        ballots=tuple(shared[index] for index in ballot_lines),
        withdrawn=tuple(names[n - 1] for n in sorted(set(withdrawn_numbers))),
    )


def _ballot_line(tokens: list[str], line_number: int, candidates: int) -> tuple[Decimal, tuple[int, ...]]:
    """The weight and the candidates' numbers of a ballot line, split into tokens (weight first, 0 last)."""
    weight = _weight(tokens[0], line_number)
    if tokens[-1] != "0" or len(tokens) < 2:
        raise BLTError(f"line {line_number}: a ballot line must end with 0")
    preferences: list[int] = []
    for token in tokens[1:-1]:
        preference = _integer(token, line_number, "preference")
        if not 1 <= preference <= candidates:
            raise BLTError(
                f"line {line_number}: preference {preference} is not a candidate (there are {candidates})"
            )
        if preference in preferences:
            raise BLTError(f"line {line_number}: candidate {preference} is ranked twice")
        preferences.append(preference)
    return weight, tuple(preferences)


def _file_lines(handle: BinaryIO) -> Iterator[str]:
    """The lines of a UTF-8 file, decoded one by one so that a bad byte is reported on its own line."""
    number = 0
    for raw in handle:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = number + 1 + raw[: error.start].count(b"\r")
            raise BLTError(f"line {line}: not valid UTF-8 text") from error
        if number == 0:
            text = text.lstrip("\ufeff")
        # Lines end with \n, \r\n or (in old files) a lone \r.
        for line in text.splitlines() or [""]:
            number += 1
            yield line


def read_blt(path: str | Path, *, max_bytes: int | None = None) -> BLTElection:
    """Read a BLT file; a missing, undecodable or (with `max_bytes`) too large file is a BLTError too.

    Reading and counting take memory and time in proportion to the file, so whatever reads a file someone gave it
    sets `max_bytes` (the count_blt command passes settings.BLT_MAX_BYTES)."""
    try:
        with Path(path).open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if max_bytes is not None and size > max_bytes:
                raise BLTError(f"the file is {size:,} bytes, more than {_limit(max_bytes)}")
            limited = handle if max_bytes is None else _at_most(handle, max_bytes)
            return _parse(_Lines(_file_lines(limited)))
    except OSError as error:
        raise BLTError(f"cannot read {path}: {error.strerror or error}") from error


def _at_most(handle: BinaryIO, max_bytes: int) -> Iterator[bytes]:
    """The file's lines up to `max_bytes` in all: a file that grows while it is read, or a device that never ends
    (or never ends a line), stops there too."""
    read = 0
    while raw := handle.readline(max_bytes + 1 - read):
        read += len(raw)
        if read > max_bytes:
            raise BLTError(f"the file goes on past {_limit(max_bytes)}")
        yield raw


def _limit(max_bytes: int) -> str:
    return f"the {max_bytes:,} bytes a BLT file may have (setting BLT_MAX_BYTES)"


def count_blt_file(
    path: str | Path, *, seed: int | None = None, max_bytes: int | None = None
) -> tuple[BLTElection, STVResult]:
    """Read and count a BLT file; counting problems are reported as BLTError as well."""
    election = read_blt(path, max_bytes=max_bytes)
    try:
        return election, election.count(seed=seed)
    except CountError as error:
        raise BLTError(str(error)) from error
