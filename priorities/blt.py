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

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

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


def parse_blt(text: str) -> BLTElection:
    """Parse the text of a BLT file."""
    # Keep real line numbers for messages while skipping blank lines.
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1)
        if line.strip()
    ]
    if not lines:
        raise BLTError("line 1: the file is empty")
    position = 0

    def next_line(expecting: str) -> tuple[int, str]:
        nonlocal position
        if position >= len(lines):
            last = lines[-1][0] if lines else 0
            raise BLTError(f"line {last + 1}: the file ends early; expected {expecting}")
        found = lines[position]
        position += 1
        return found

    number, header = next_line("the header")
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
    while position < len(lines) and lines[position][1].startswith("-"):
        line_number, line = next_line("withdrawn candidates")
        withdrawn_tokens += [(line_number, token) for token in line.split()]
    for line_number, token in withdrawn_tokens:
        value = _integer(token, line_number, "withdrawn candidate")
        if not -candidates <= value < 0:
            raise BLTError(
                f"line {line_number}: withdrawn candidate {token} must be between -{candidates} and -1"
            )
        withdrawn_numbers.append(-value)

    raw_ballots: list[tuple[int, Decimal, list[int]]] = []
    while True:
        line_number, line = next_line("ballot lines and then a line '0' (the file looks truncated)")
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
        if not re.match(r"[\d.]", tokens[0]):
            raise BLTError(
                f"line {line_number}: expected a ballot line or 0, found {line[:40]!r} "
                "(is the 0 line that ends the ballots missing?)"
            )
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
        raw_ballots.append((line_number, weight, preferences))

    names: list[str] = []
    for index in range(1, candidates + 1):
        line_number, line = next_line(f"{candidates} candidate names, found {len(names)}")
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
    if position < len(lines):
        line_number, line = next_line("the title")
        try:
            title = _name(line)
        except ValueError as error:
            raise BLTError(f"line {line_number}: the title: {error}") from error
    if position < len(lines):
        line_number, line = lines[position]
        raise BLTError(
            f"line {line_number}: unexpected text after the title ({line[:40]!r}); "
            f"are there more than {candidates} names?"
        )

    ballots = tuple(
        RankedBallot(tuple(names[p - 1] for p in preferences), weight)
        for _, weight, preferences in raw_ballots
    )
    election = BLTElection(
        title=title,
        candidates=tuple(names),
        seats=seats,
        ballots=ballots,
        withdrawn=tuple(names[n - 1] for n in sorted(set(withdrawn_numbers))),
    )
    return election


def read_blt(path: str | Path) -> BLTElection:
    """Read a BLT file; a missing or undecodable file is a BLTError too."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise BLTError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BLTError(f"line {line}: not valid UTF-8 text") from error
    return parse_blt(text)


def count_blt_file(path: str | Path, *, seed: int | None = None) -> tuple[BLTElection, STVResult]:
    """Read and count a BLT file; counting problems are reported as BLTError as well."""
    election = read_blt(path)
    try:
        return election, election.count(seed=seed)
    except CountError as error:
        raise BLTError(str(error)) from error
