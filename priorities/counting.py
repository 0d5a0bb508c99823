"""Exact vote counting for practice priorities: approval, points and ranked (STV) ballots.

Pure Python with no Django imports, so the engine can be tested, benchmarked and audited on its own.
Every figure is a ``decimal.Decimal``; floats are refused as weights and never appear in a count.

Weights
    Each ballot carries a weight: 1 for one-practice-one-vote, or the practice's registered list size when
    the vote is weighted. A weight is an ``int`` or a ``Decimal`` with at most 5 decimal places, never
    negative. A ballot of weight ``w`` counts exactly as ``w`` identical ballots of weight 1.

Approval (:func:`count_approval`)
    Each ballot ticks up to ``max_choices`` candidates (default: the number of seats). A candidate's total
    is the sum of the weights of the ballots that tick them; the ``seats`` highest totals win.

Points (:func:`count_points`)
    Each ballot shares at most ``points_per_ballot`` points among the candidates (unused points are simply
    not counted; more is an error). A candidate's total is the sum of points × weight.

    Ties at the cut-off (approval and points): candidates whose equal totals straddle the last winning
    place are put in order by lot, and the first of them in that order take the remaining places. The lot
    is ``random.Random(seed).sample(sorted(tied_names), len(tied_names))``; the result says which
    candidates were tied and sets ``tie_broken_by_lot``. Other equal totals share a rank (1, 2, 2, 4).

Ranked (:func:`count_stv`)
    The single transferable vote as counted at Scottish local elections under the Scottish Local
    Government Elections Order 2007 (SSI 2007/42), schedule 1, rules 45 to 52. With one seat it is the
    alternative vote. The count reproduces the official Glasgow 2017 count sheets to the last digit.

    * Valid votes are the weights of ballots with at least one preference for a candidate who has not
      withdrawn. Quota = floor(valid votes / (seats + 1)) + 1 (rule 46). A candidate whose total equals
      or exceeds the quota is elected (rule 47).
    * Each stage either transfers one surplus or excludes one candidate. While any elected candidate has
      a surplus that has not been transferred, the largest is transferred first (rule 49(1)); surpluses
      are never deferred.
    * A surplus transfer moves *all* the elected candidate's papers, whatever stage they arrived at, to
      their next continuing preference. Every paper gets the transfer value of rule 48(3)::

          transfer value = surplus × (value of the paper when received) / candidate's total

      truncated to 5 decimal places, computed per paper and not per parcel; a sub-parcel is then worth
      transfer value × its papers (truncated to 5 places, which only matters for fractional weights).
      The candidate is left with exactly the quota.
    * When no surplus is waiting, the candidate with the fewest votes is excluded and all their papers
      move in one stage, each at the value it arrived with (rule 50(4)).
    * Papers with no next continuing preference become non-transferable. The non-transferable figure
      also absorbs the fractions lost by truncating transfer values, so every stage adds up to the valid
      votes.
    * When the continuing candidates are no more than the vacancies left, they are all elected and no
      further transfer is made (rule 52).
    * Ties, for the largest surplus (rule 49(2)) or the fewest votes (rule 51(2)), go to the candidate
      with the highest (or lowest) total at the most recent earlier stage at which the tied candidates had
      unequal totals; among three or more, the look-back repeats on those still tied. If they were equal
      at every stage, the tie is decided by lot (rules 49(3), 51(2)(b)): one ``random.Random(seed)`` per
      count draws ``choice(sorted(tied_names))`` at each such tie, in the order the ties arise. Candidates
      elected at the same stage are listed in order of their totals, ties broken the same way.
      The stage's ``tie_note`` (and its ``why``) records every tie and how it was broken.

Seeds
    ``seed`` defaults to :func:`default_seed`, an integer derived from the sorted candidate names with
    SHA-256, so the same election always gives the same result. Pass an explicit seed (for example one
    drawn in public before the count) to make the lot independent of the names.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, localcontext

PLACES = Decimal("0.00001")
ZERO = Decimal("0.00000")
ONE = Decimal("1.00000")

# Enough digits that no product or quotient in a count is ever rounded before the explicit truncation to
# 5 places; ROUND_DOWN for divisions means truncating twice gives the same result as truncating once.
_PRECISION = 60

Weight = int | Decimal


class CountError(ValueError):
    """Ballots or options that cannot be counted (unknown candidate, bad weight, too many ticks...)."""


def default_seed(candidates: Iterable[str]) -> int:
    """The lot's seed when none is given: the first 64 bits of SHA-256 over the sorted candidate names."""
    digest = hashlib.sha256("\n".join(sorted(candidates)).encode("utf-8")).hexdigest()
    return int(digest[:16], 16)


def _truncate(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_DOWN)


def _fmt(value: Decimal) -> str:
    return f"{value:.5f}"


def _as_amount(value: object, what: str) -> Decimal:
    # bool is an int subclass and float is inexact: both are mistakes in a ballot, so refuse them.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise CountError(f"{what} must be an int or Decimal, not {type(value).__name__} ({value!r})")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise CountError(f"{what} must be a finite number of at least 0, not {value}")
    if amount != _truncate(amount):
        raise CountError(f"{what} {value} has more than 5 decimal places")
    return amount


def _check_candidates(candidates: Sequence[str], seats: int) -> tuple[str, ...]:
    names = tuple(candidates)
    if len(set(names)) != len(names):
        raise CountError("candidate names must be unique")
    if seats < 1:
        raise CountError(f"there must be at least one seat, not {seats}")
    return names


# --------------------------------------------------------------------------------------------------
# Approval and points
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalBallot:
    approved: tuple[str, ...]
    weight: Weight = 1


@dataclass(frozen=True)
class PointsBallot:
    points: Mapping[str, Weight]
    weight: Weight = 1


@dataclass(frozen=True)
class RankedCandidate:
    name: str
    total: Decimal
    rank: int
    winner: bool


@dataclass(frozen=True)
class TallyResult:
    """The outcome of an approval or points count."""

    method: str
    seats: int
    totals: dict[str, Decimal]
    ranking: tuple[RankedCandidate, ...]
    winners: tuple[str, ...]
    tied_at_cutoff: tuple[str, ...]
    tie_broken_by_lot: bool
    seed: int
    note: str


def _tally(
    method: str, candidates: tuple[str, ...], totals: dict[str, Decimal], seats: int, seed: int
) -> TallyResult:
    by_total = sorted(candidates, key=lambda name: (-totals[name], name))
    tied: tuple[str, ...] = ()
    if seats >= len(by_total):
        winners = by_total
        note = f"{len(by_total)} candidates for {seats} places: every candidate wins."
    else:
        cutoff = totals[by_total[seats - 1]]
        if totals[by_total[seats]] == cutoff:
            tied = tuple(sorted(name for name in candidates if totals[name] == cutoff))
            above = [name for name in by_total if totals[name] > cutoff]
            drawn = random.Random(seed).sample(tied, len(tied))
            below = [name for name in by_total if totals[name] < cutoff]
            by_total = above + drawn + below
            note = (
                f"{', '.join(tied)} tied on {cutoff} for the last {seats - len(above)} place(s); "
                f"order drawn by lot with seed {seed}: {', '.join(drawn)}."
            )
        else:
            note = f"The {seats} highest totals win; no tie at the cut-off."
        winners = by_total[:seats]
    ranking = tuple(
        RankedCandidate(
            name=name,
            total=totals[name],
            rank=1 + sum(1 for other in candidates if totals[other] > totals[name]),
            winner=name in winners,
        )
        for name in by_total
    )
    return TallyResult(
        method=method,
        seats=seats,
        totals={name: totals[name] for name in candidates},
        ranking=ranking,
        winners=tuple(winners),
        tied_at_cutoff=tied,
        tie_broken_by_lot=bool(tied),
        seed=seed,
        note=note,
    )


def count_approval(
    candidates: Sequence[str],
    ballots: Iterable[ApprovalBallot],
    seats: int,
    *,
    max_choices: int | None = None,
    seed: int | None = None,
) -> TallyResult:
    """Count approval ballots: each ticked candidate gets the ballot's weight; the top ``seats`` win."""
    names = _check_candidates(candidates, seats)
    limit = seats if max_choices is None else max_choices
    totals = {name: Decimal(0) for name in names}
    for number, ballot in enumerate(ballots, start=1):
        weight = _as_amount(ballot.weight, f"ballot {number}: weight")
        if len(set(ballot.approved)) != len(ballot.approved):
            raise CountError(f"ballot {number}: a candidate is ticked twice")
        if len(ballot.approved) > limit:
            raise CountError(
                f"ballot {number}: {len(ballot.approved)} ticks, but at most {limit} are allowed"
            )
        for name in ballot.approved:
            if name not in totals:
                raise CountError(f"ballot {number}: {name!r} is not a candidate")
            totals[name] += weight
    return _tally("approval", names, totals, seats, default_seed(names) if seed is None else seed)


def count_points(
    candidates: Sequence[str],
    ballots: Iterable[PointsBallot],
    seats: int,
    *,
    points_per_ballot: Weight,
    seed: int | None = None,
) -> TallyResult:
    """Count points ballots: each candidate gets points × weight; the top ``seats`` win."""
    names = _check_candidates(candidates, seats)
    budget = _as_amount(points_per_ballot, "points_per_ballot")
    totals = {name: Decimal(0) for name in names}
    for number, ballot in enumerate(ballots, start=1):
        weight = _as_amount(ballot.weight, f"ballot {number}: weight")
        given = {
            name: _as_amount(points, f"ballot {number}: points") for name, points in ballot.points.items()
        }
        if sum(given.values(), Decimal(0)) > budget:
            raise CountError(
                f"ballot {number}: gives {sum(given.values())} points, but only {budget} may be given"
            )
        for name, points in given.items():
            if name not in totals:
                raise CountError(f"ballot {number}: {name!r} is not a candidate")
            totals[name] += points * weight
    return _tally("points", names, totals, seats, default_seed(names) if seed is None else seed)


# --------------------------------------------------------------------------------------------------
# Ranked: STV under SSI 2007/42
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedBallot:
    preferences: tuple[str, ...]
    weight: Weight = 1


@dataclass(frozen=True)
class Elected:
    name: str
    stage: int
    # "quota" (rule 47) or "last vacancies" (rule 52: as many continuing candidates as seats left)
    reason: str


@dataclass(frozen=True)
class Stage:
    number: int
    action: str
    kind: str  # "first preferences", "surplus" or "exclusion"
    candidate: str | None  # whose surplus moved, or who was excluded
    why: str
    # Votes credited at this stage to each candidate (first preferences at stage 1).
    transfers: dict[str, Decimal]
    # Votes that became non-transferable at this stage, including truncation loss.
    non_transferable_added: Decimal
    # Every candidate still in the count (continuing or elected) after this stage, in ballot-paper order.
    totals: dict[str, Decimal]
    non_transferable: Decimal
    elected: tuple[str, ...] = ()
    tie_note: str = ""


@dataclass(frozen=True)
class STVResult:
    candidates: tuple[str, ...]
    withdrawn: tuple[str, ...]
    seats: int
    valid_votes: Decimal
    quota: Decimal
    elected: tuple[Elected, ...]
    stages: tuple[Stage, ...]
    seed: int
    tie_broken_by_lot: bool = False
    excluded: tuple[str, ...] = field(default=())
    # The candidates of each tie decided by lot, sorted by name, in the order the ties arose.
    ties_by_lot: tuple[tuple[str, ...], ...] = ()

    @property
    def elected_names(self) -> tuple[str, ...]:
        return tuple(winner.name for winner in self.elected)


class _STVCount:
    """One count in progress. Candidates are indices into ``names``; papers are grouped per ballot line."""

    def __init__(
        self,
        names: tuple[str, ...],
        withdrawn: frozenset[int],
        ballots: list[tuple[tuple[int, ...], Decimal]],
        seats: int,
        seed: int,
    ) -> None:
        self.names = names
        self.withdrawn = withdrawn
        self.ballots = ballots
        self.seats = seats
        self.seed = seed
        self.rng = random.Random(seed)
        self.lot_used = False
        self.ties_by_lot: list[tuple[str, ...]] = []
        self.continuing = [i for i in range(len(names)) if i not in withdrawn]
        self.is_continuing: list[bool] = []
        self._set_continuing()
        self.elected: list[Elected] = []
        self.excluded: list[int] = []
        self.pending_surplus: list[int] = []
        self.totals: dict[int, Decimal] = {}
        # pile[c][value] = papers c holds that arrived at that value, as (ballot index, preference position)
        self.pile: dict[int, dict[Decimal, list[tuple[int, int]]]] = {}
        self.history: list[dict[int, Decimal]] = []
        self.stages: list[Stage] = []
        self.valid_votes = ZERO
        self.quota = ZERO

    # -- moving papers ------------------------------------------------------------------------------

    def _next_preference(self, ballot: int, position: int) -> tuple[int, int] | None:
        preferences = self.ballots[ballot][0]
        continuing = self.is_continuing
        for later in range(position + 1, len(preferences)):
            if continuing[preferences[later]]:
                return preferences[later], later
        return None

    def _move(self, source: int, value_for: dict[Decimal, Decimal]) -> dict[int, Decimal]:
        """Move every paper ``source`` holds to its next continuing preference.

        ``value_for`` maps the value a parcel arrived with to the value it moves on with. Returns the
        votes credited to each receiving candidate; papers with nowhere to go are simply dropped (the
        caller books the difference as non-transferable).
        """
        credited: dict[int, Decimal] = {}
        for value, papers in self.pile.pop(source, {}).items():
            moved_value = value_for[value]
            weight_to: dict[int, Decimal] = {}
            for ballot, position in papers:
                found = self._next_preference(ballot, position)
                if found is None:
                    continue
                target, target_position = found
                weight_to[target] = weight_to.get(target, ZERO) + self.ballots[ballot][1]
                self.pile.setdefault(target, {}).setdefault(moved_value, []).append((ballot, target_position))
            for target, weight in weight_to.items():
                # Exact for whole-number weights; with fractional weights the sub-parcel is truncated.
                credited[target] = credited.get(target, ZERO) + _truncate(moved_value * weight)
        for target, amount in credited.items():
            self.totals[target] += amount
        return credited

    # -- tie-breaks (rules 49(2)-(3) and 51(2)) ------------------------------------------------------

    def _break_tie(
        self, tied: list[int], highest: bool, purpose: str, earlier: list[dict[int, Decimal]]
    ) -> tuple[int, str]:
        """Look back through ``earlier`` stage totals, most recent first, then fall back to the lot."""
        tied = sorted(tied)
        for stage_number in range(len(earlier), 0, -1):
            values = {c: earlier[stage_number - 1][c] for c in tied}
            if len(set(values.values())) == 1:
                continue
            best = max(values.values()) if highest else min(values.values())
            tied = [c for c in tied if values[c] == best]
            if len(tied) == 1:
                word = "highest" if highest else "lowest"
                return tied[0], (
                    f"Tie for {purpose} broken by the most recent earlier stage with unequal totals: "
                    f"{self.names[tied[0]]} had the {word} total at stage {stage_number}."
                )
        chosen = self.rng.choice(sorted(tied, key=lambda c: self.names[c]))
        self.lot_used = True
        self.ties_by_lot.append(tuple(sorted(self.names[c] for c in tied)))
        return chosen, (
            f"Tie for {purpose} between {', '.join(sorted(self.names[c] for c in tied))}, "
            "equal at every stage, "
            f"decided by lot (random.Random({self.seed}).choice over the sorted names): {self.names[chosen]}."
        )

    def _pick(
        self, candidates: list[int], highest: bool, purpose: str, earlier: list[dict[int, Decimal]]
    ) -> tuple[int, str]:
        """The candidate with the highest (or lowest) total now; ``earlier`` holds the stages before now."""
        best = max(self.totals[c] for c in candidates) if highest else min(self.totals[c] for c in candidates)
        tied = [c for c in candidates if self.totals[c] == best]
        if len(tied) == 1:
            return tied[0], ""
        return self._break_tie(tied, highest, purpose, earlier)

    # -- stages -------------------------------------------------------------------------------------

    def _set_continuing(self) -> None:
        # A flag per candidate keeps the search for the next preference a list lookup.
        self.is_continuing = [False] * len(self.names)
        for c in self.continuing:
            self.is_continuing[c] = True

    def _finish_stage(
        self,
        action: str,
        kind: str,
        candidate: int | None,
        why: list[str],
        credited: dict[int, Decimal],
        non_transferable_added: Decimal,
        tie_notes: list[str],
    ) -> bool:
        """Elect whoever reached the quota, record the stage, and say whether the count is over."""
        number = len(self.stages) + 1
        elected_now: list[str] = []
        reached = [c for c in self.continuing if self.totals[c] >= self.quota]
        # Several may pass the quota at once; list them by total (rule 49's order for their surpluses).
        while reached:
            # The stage being finished is not in the history yet, so all of it counts as earlier.
            first, note = self._pick(reached, True, "order of election", self.history)
            if note:
                tie_notes.append(note)
            reached.remove(first)
            self.continuing.remove(first)
            self.elected.append(Elected(self.names[first], number, "quota"))
            elected_now.append(self.names[first])
            why.append(
                f"{self.names[first]} reached the quota ({_fmt(self.totals[first])} ≥ {_fmt(self.quota)}) "
                "and is elected (rule 47)."
            )
            if self.totals[first] > self.quota:
                self.pending_surplus.append(first)
        self._set_continuing()
        vacancies = self.seats - len(self.elected)
        done = vacancies == 0
        if vacancies > 0 and len(self.continuing) <= vacancies:
            # Rule 52: as many continuing candidates as vacancies (or fewer), so no further transfer.
            for c in sorted(self.continuing, key=lambda c: (-self.totals[c], c)):
                self.elected.append(Elected(self.names[c], number, "last vacancies"))
                elected_now.append(self.names[c])
            if self.continuing:
                why.append(
                    f"{len(self.continuing)} continuing candidate(s) for {vacancies} vacancies left: "
                    f"{', '.join(self.names[c] for c in self.continuing)} "
                    f"{'is' if len(self.continuing) == 1 else 'are'} elected (rule 52)."
                )
            self.continuing = []
            self._set_continuing()
            done = True
        elif done:
            why.append("All seats are filled; the count ends.")
        self.history.append(dict(self.totals))
        in_count = [c for c in range(len(self.names)) if c in self.totals]
        total_in_count = sum((self.totals[c] for c in in_count), ZERO)
        self.stages.append(
            Stage(
                number=number,
                action=action,
                kind=kind,
                candidate=None if candidate is None else self.names[candidate],
                why=" ".join(why + tie_notes),
                transfers={self.names[c]: credited[c].quantize(PLACES) for c in in_count if c in credited},
                non_transferable_added=non_transferable_added.quantize(PLACES),
                totals={self.names[c]: self.totals[c].quantize(PLACES) for c in in_count},
                non_transferable=(self.valid_votes - total_in_count).quantize(PLACES),
                elected=tuple(elected_now),
                tie_note=" ".join(tie_notes),
            )
        )
        return done

    def first_stage(self) -> bool:
        for c in self.continuing:
            self.totals[c] = ZERO
        for index, (preferences, weight) in enumerate(self.ballots):
            # Preferences for withdrawn candidates were removed when the ballots were prepared.
            if not preferences:
                continue
            self.valid_votes += weight
            first = preferences[0]
            self.totals[first] += weight
            self.pile.setdefault(first, {}).setdefault(ONE, []).append((index, 0))
        # Rule 46: the whole-number part of the division, plus one.
        self.quota = Decimal(int(self.valid_votes // (self.seats + 1)) + 1).quantize(PLACES)
        why = [
            "Each valid paper counts at full value for its first preference (rule 45).",
            f"Valid votes {_fmt(self.valid_votes)}; quota = floor({_fmt(self.valid_votes)} / "
            f"({self.seats} + 1)) + 1 = {_fmt(self.quota)} (rule 46).",
        ]
        return self._finish_stage(
            "First preferences", "first preferences", None, why, dict(self.totals), ZERO, []
        )

    def transfer_surplus(self) -> bool:
        source, tie_note = self._pick(self.pending_surplus, True, "the largest surplus", self.history[:-1])
        self.pending_surplus.remove(source)
        total = self.totals[source]
        surplus = total - self.quota
        # Rule 48(3): per paper, surplus × value when received / total, to 5 places, remainder ignored.
        value_for = {value: _truncate(surplus * value / total) for value in self.pile.get(source, {})}
        credited = self._move(source, value_for)
        self.totals[source] = self.quota
        lost = surplus - sum(credited.values(), ZERO)
        shown = sorted(value_for.items(), reverse=True)
        values_text = "; ".join(f"{_fmt(tv)} for papers worth {_fmt(v)}" for v, tv in shown[:3])
        if len(shown) > 3:
            values_text += f"; and {len(shown) - 3} more parcels"
        why = [
            f"{self.names[source]} has {'the largest' if len(self.pending_surplus) else 'a'} surplus: "
            f"{_fmt(total)} − quota {_fmt(self.quota)} = {_fmt(surplus)} (rule 49(1)).",
            "All their papers pass to the next continuing preference at transfer value = "
            f"surplus × value of the paper when received ÷ {_fmt(total)}, truncated to 5 places "
            f"(rule 48(3)): {values_text}.",
            f"{_fmt(lost)} became non-transferable (papers with no further preference, and truncation loss).",
        ]
        return self._finish_stage(
            f"Surplus of {self.names[source]} transferred",
            "surplus",
            source,
            why,
            credited,
            lost,
            [tie_note] if tie_note else [],
        )

    def exclude_lowest(self) -> bool:
        loser, tie_note = self._pick(self.continuing, False, "the fewest votes", self.history[:-1])
        self.continuing.remove(loser)
        self.excluded.append(loser)
        self._set_continuing()
        held = self.totals.pop(loser)
        # Rule 50(4): each paper keeps the value it arrived with.
        credited = self._move(loser, {value: value for value in self.pile.get(loser, {})})
        lost = held - sum(credited.values(), ZERO)
        why = [
            f"No surplus is waiting, so the candidate with the fewest votes, {self.names[loser]} "
            f"({_fmt(held)}), is excluded (rule 50).",
            "Each of their papers passes to its next continuing preference at the value it arrived with "
            f"(rule 50(4)); {_fmt(lost)} became non-transferable.",
        ]
        return self._finish_stage(
            f"{self.names[loser]} excluded",
            "exclusion",
            loser,
            why,
            credited,
            lost,
            [tie_note] if tie_note else [],
        )

    def run(self) -> STVResult:
        done = self.first_stage()
        while not done:
            done = self.transfer_surplus() if self.pending_surplus else self.exclude_lowest()
        return STVResult(
            candidates=self.names,
            withdrawn=tuple(self.names[c] for c in sorted(self.withdrawn)),
            seats=self.seats,
            valid_votes=self.valid_votes.quantize(PLACES),
            quota=self.quota,
            elected=tuple(self.elected),
            stages=tuple(self.stages),
            seed=self.seed,
            tie_broken_by_lot=self.lot_used,
            excluded=tuple(self.names[c] for c in self.excluded),
            ties_by_lot=tuple(self.ties_by_lot),
        )


def count_stv(
    candidates: Sequence[str],
    ballots: Iterable[RankedBallot],
    seats: int,
    *,
    withdrawn: Iterable[str] = (),
    seed: int | None = None,
) -> STVResult:
    """Count ranked ballots by STV under SSI 2007/42 (see the module docstring for the rules)."""
    names = _check_candidates(candidates, seats)
    index = {name: i for i, name in enumerate(names)}
    withdrawn_names = set(withdrawn)
    unknown = withdrawn_names - index.keys()
    if unknown:
        raise CountError(f"withdrawn candidate(s) {', '.join(sorted(unknown))} are not candidates")
    withdrawn_ids = frozenset(index[name] for name in withdrawn_names)
    prepared: list[tuple[tuple[int, ...], Decimal]] = []
    for number, ballot in enumerate(ballots, start=1):
        weight = _as_amount(ballot.weight, f"ballot {number}: weight")
        preferences: list[int] = []
        for name in ballot.preferences:
            if name not in index:
                raise CountError(f"ballot {number}: {name!r} is not a candidate")
            if index[name] in preferences:
                raise CountError(f"ballot {number}: {name!r} is ranked twice")
            preferences.append(index[name])
        # A preference for a withdrawn candidate is passed over, as if the next one were written there.
        prepared.append((tuple(c for c in preferences if c not in withdrawn_ids), weight))
    with localcontext() as context:
        context.prec = _PRECISION
        context.rounding = ROUND_DOWN
        count = _STVCount(
            names, withdrawn_ids, prepared, seats, default_seed(names) if seed is None else seed
        )
        return count.run()


# --------------------------------------------------------------------------------------------------
# Printing a count
# --------------------------------------------------------------------------------------------------


def format_stage_table(result: STVResult, *, width: int = 100) -> str:
    """The count sheet as fixed-width text: one row per candidate, one column per stage.

    Stages are split into blocks so that no line is wider than ``width``. A total marked ``*`` is the
    stage at which that candidate was elected; ``-`` means excluded (or withdrawn).
    """
    elected_at = {winner.name: winner.stage for winner in result.elected}
    rows = [name for name in result.candidates if name not in result.withdrawn]
    labels = ["Non-transferable", "Total"]
    name_width = max(len(label) for label in [*rows, *labels, "Stage"])
    cells: dict[str, list[str]] = {label: [] for label in [*rows, *labels]}
    for stage in result.stages:
        for name in rows:
            if name in stage.totals:
                mark = "*" if elected_at.get(name) == stage.number else ""
                cells[name].append(_fmt(stage.totals[name]) + mark)
            else:
                cells[name].append("-")
        cells["Non-transferable"].append(_fmt(stage.non_transferable))
        cells["Total"].append(_fmt(sum(stage.totals.values(), ZERO) + stage.non_transferable))
    column = max(len(text) for texts in cells.values() for text in texts) + 2
    per_block = max(1, (width - name_width) // column)
    lines: list[str] = []
    for start in range(0, len(result.stages), per_block):
        block = result.stages[start : start + per_block]
        heading = "Stage".ljust(name_width) + "".join(str(s.number).rjust(column) for s in block)
        lines += [heading, "-" * len(heading)]
        for label in rows:
            lines.append(
                label.ljust(name_width)
                + "".join(text.rjust(column) for text in cells[label][start : start + per_block])
            )
        lines.append("-" * len(heading))
        for label in labels:
            lines.append(
                label.ljust(name_width)
                + "".join(text.rjust(column) for text in cells[label][start : start + per_block])
            )
        lines.append("")
    return "\n".join(lines)


def format_result(result: STVResult, *, width: int = 100, title: str = "") -> str:
    """The stage table followed by what each stage did, the quota and the elected in order."""
    lines = [title, ""] if title else []
    lines.append(format_stage_table(result, width=width))
    for stage in result.stages:
        lines.append(f"Stage {stage.number}: {stage.action}")
    lines.append("")
    lines.append(
        f"Seats: {result.seats}   Valid votes: {_fmt(result.valid_votes)}   Quota: {_fmt(result.quota)}"
    )
    if result.withdrawn:
        lines.append(f"Withdrawn: {', '.join(result.withdrawn)}")
    lines.append("Elected, in order:")
    for position, winner in enumerate(result.elected, start=1):
        lines.append(f"  {position}. {winner.name} (stage {winner.stage})")
    if result.tie_broken_by_lot:
        lines.append(f"A tie was decided by lot with seed {result.seed}; see the stage notes.")
    return "\n".join(lines) + "\n"
