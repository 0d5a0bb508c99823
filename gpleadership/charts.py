"""Charts on the chair's dashboard and the ICS leaders' page: horizontal bar charts drawn as SVG on the server.

A chart is its figures (a row per category, a figure per series) and the geometry computed from them here, so the
template only places what Python measured: no script, no style attributes (the CSP forbids both). Every chart
comes with a table of the same figures, which is what assistive technology and print read; the bars carry their
value as text and each series its own pattern as well as its colour (WCAG 1.4.1). The figures come from the rules
of each app (acknowledgement, turnout, action status, the triage target), counted by the database in groups, so a
page runs the same number of queries however many PCNs, places or weeks it shows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import CharField, IntegerField, Value
from django.utils.formats import date_format

from decisions import selectors as decision_selectors
from members import prepared
from members.rows import day_writer
from priorities import selectors as priority_selectors
from priorities import services as priority_services
from priorities.models import percent
from representation.models import TRIAGE_TARGET_WORKING_DAYS, Action, Request, weekly_status_from

# Every chart looks back this far: decisions published, actions week by week, requests received.
WINDOW_WEEKS = 12
NOT_IN_A_PCN = "Not in a PCN"

# NHS identity colours, each at least 5:1 against white.
BLUE, RED, GREEN, GREY = "#005eb8", "#d5281b", "#007f3b", "#425563"

# Geometry, in the SVG's own units (it scales to the width of its column).
BAR_HEIGHT = 16
BAR_GAP = 2
GROUP_GAP = 12
PLOT_WIDTH = 360
VALUE_ROOM = 64
LEGEND_HEIGHT = 32
AXIS_HEIGHT = 32
CHAR_WIDTH = 7.5
LONGEST_NAME = 30


class Figure(NamedTuple):
    """One cell: `value` is the bar's length (a count, or a whole percent), `text` the table's words, `label` the
    words on the bar. A tuple, as Bar is: a dashboard makes some 200."""

    value: int
    text: str
    label: str

    @classmethod
    def count(cls, n: int) -> "Figure":
        return cls(n, str(n), str(n))

    @classmethod
    def share(cls, part: int, whole: int, *, of: str = "", nothing: str = "None to count") -> "Figure":
        if not whole:
            return cls(0, nothing, "none")
        share = percent(part, whole)
        return cls(share, f"{part} of {whole} ({share}%){of}", f"{share}%")

    @classmethod
    def missing(cls, text: str) -> "Figure":
        return cls(0, text, "none")


@dataclass(frozen=True)
class Series:
    label: str
    colour: str


class Bar(NamedTuple):
    """A bar and its value's label. A tuple rather than a frozen dataclass: a dashboard lays out some 200 of them
    per request, and a dataclass' frozen __init__ costs several times a tuple's."""

    category: str
    series: str
    figure: Figure
    x: float
    y: float
    width: float
    height: float
    fill: str
    label_x: float
    label_y: float


class Tick(NamedTuple):
    label: str
    x: float


class Swatch(NamedTuple):
    """A legend's entry: the series' fill beside its name."""

    label: str
    fill: str
    x: float
    text_x: float


@dataclass(frozen=True)
class Pattern:
    """A series' fill: its colour, and for the second and third series white hatching or dots, so that series
    differ by more than colour on screen and on a black-and-white print."""

    id: str
    colour: str
    kind: str  # "solid", "hatch" or "dots"


@dataclass
class BarChart:
    slug: str
    title: str
    caption: str
    category_heading: str
    series: list[Series]
    rows: list[tuple[str, list[Figure]]]
    empty_text: str
    is_percent: bool = False
    bars: list[Bar] = field(init=False, default_factory=list)
    ticks: list[Tick] = field(init=False, default_factory=list)
    labels: list[dict] = field(init=False, default_factory=list)
    legend: list[Swatch] = field(init=False, default_factory=list)
    patterns: list[Pattern] = field(init=False, default_factory=list)

    def __post_init__(self):
        if not self.is_empty:
            self._lay_out()

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def description(self) -> str:
        what = "percentages" if self.is_percent else "counts"
        by = self.category_heading.lower()
        series = ", ".join(s.label.lower() for s in self.series)
        return f"Horizontal bar chart of {what} by {by}: {series}. The table that follows gives the same figures."

    def _lay_out(self):
        names = [self._short(category) for category, _ in self.rows]
        self.left = max(80, min(LONGEST_NAME + 1, max(len(n) for n in names)) * CHAR_WIDTH + 16)
        self.top = LEGEND_HEIGHT if len(self.series) > 1 else 8
        self.axis_max, step = self._scale(max(f.value for _, figures in self.rows for f in figures))
        self.patterns = [
            Pattern(f"{self.slug}-fill-{n}", s.colour, ("solid", "hatch", "dots")[n % 3])
            for n, s in enumerate(self.series)
        ]
        group_height = len(self.series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
        # What is the same for every bar of a series, worked out once (a dashboard lays out some 200 bars).
        left, axis_max, labels, bars = self.left, self.axis_max, self.labels, self.bars
        each_series = [(n * (BAR_HEIGHT + BAR_GAP), series.label, f"url(#{pattern.id})")
                       for n, (series, pattern) in enumerate(zip(self.series, self.patterns, strict=True))]
        y = self.top
        for (category, figures), name in zip(self.rows, names, strict=True):
            labels.append({"text": name, "y": y + group_height / 2 + 5})
            for (offset, series, fill), figure in zip(each_series, figures, strict=True):
                width = PLOT_WIDTH * figure.value / axis_max
                bar_y = y + offset
                bars.append(Bar(category, series, figure, left, bar_y, round(width, 1), BAR_HEIGHT, fill,
                                round(left + width + 6, 1), bar_y + BAR_HEIGHT / 2 + 4.5))
            y += group_height + GROUP_GAP
        self.plot_bottom = y - GROUP_GAP + 8
        self.height = self.plot_bottom + AXIS_HEIGHT
        self.tick_label_y = self.plot_bottom + 20
        self.label_x = self.left - 8
        self.ticks = [
            Tick(f"{value}%" if self.is_percent else str(value),
                 round(self.left + PLOT_WIDTH * value / self.axis_max, 1))
            for value in range(0, self.axis_max + 1, step)
        ]
        x = 0
        for n, series in enumerate(self.series):
            self.legend.append(Swatch(series.label, f"url(#{self.patterns[n].id})", x, x + 22))
            x += 22 + len(series.label) * CHAR_WIDTH + 24
        self.width = max(self.left + PLOT_WIDTH + VALUE_ROOM, x)

    def _scale(self, largest: int) -> tuple[int, int]:
        """The axis' end and its step: 100% in quarters, or a round count in at most five steps."""
        if self.is_percent:
            return 100, 25
        for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
            if largest <= step * 5:
                break
        return max(step, -(-largest // step) * step), step

    @staticmethod
    def _short(name: str) -> str:
        return name if len(name) <= LONGEST_NAME else name[:LONGEST_NAME - 1].rstrip() + "…"


def _day(value: date) -> str:
    return date_format(value, "j M Y")


def _day_names(days: list[date]) -> list[str]:
    """_day of each of `days`, the month names looked up once for them all (members.rows.day_writer: date_format
    costs some 20 µs a day)."""
    write = day_writer()
    return [write(day) for day in days]


def _week_ends(today: date) -> list[date]:
    return [today - timedelta(weeks=n) for n in range(WINDOW_WEEKS - 1, -1, -1)]


def _by_name(rows: list[tuple[str, list[Figure]]]) -> list[tuple[str, list[Figure]]]:
    return sorted(rows, key=lambda row: (row[0] == NOT_IN_A_PCN, row[0]))


def _triage_caption(when: str) -> str:
    return (f"Requests received {when}: triaged within the target of {TRIAGE_TARGET_WORKING_DAYS} working days, "
            "late (triaged after it, or still waiting past it), and not yet triaged")


ACTION_SERIES = [Series("Open, on time", BLUE), Series("Overdue", RED)]
REQUEST_SERIES = [Series("Triaged within target", GREEN), Series("Late", RED), Series("Not yet triaged", GREY)]


def window_since(now: datetime) -> datetime:
    """The start of the charts' window."""
    return now - timedelta(weeks=WINDOW_WEEKS)


def _acknowledgement_chart(*, slug: str, since: datetime, by: str, heading: str,
                           groups: list[tuple[int | None, str]] | None = None, rates: dict | None = None) -> BarChart:
    """`rates`: decision_selectors.acknowledgement_rates(since=since, by=by), when the page has read them already."""
    if rates is None:
        rates = decision_selectors.acknowledgement_rates(since=since, by=by)
    published = any(r["decisions"] for r in rates.values())
    if groups is None:
        groups = [(key, row["name"] or NOT_IN_A_PCN) for key, row in rates.items()]
    rows = []
    for key, name in groups:
        row = rates.get(key, {"acknowledged": 0, "expected": 0})
        rows.append((name, [Figure.share(row["acknowledged"], row["expected"], nothing="No open practices")]))
    return BarChart(
        slug=slug, title=f"Acknowledgement of decisions by {heading}",
        caption=f"Acknowledgements of the decisions published since {_day(since)} by each {heading}'s open "
                "practices, of every practice times every decision",
        category_heading=heading, series=[Series("Acknowledged", BLUE)],
        rows=_by_name(rows) if published else [], is_percent=True,
        empty_text=f"No decisions were published in the last {WINDOW_WEEKS} weeks.",
    )


# What each row of _dashboard_figures's query counts, beside decisions.selectors.acknowledgement_parts's own.
_TURNOUT, _ACTIONS, _REQUESTS = "turnout", "actions", "requests"


def _dashboard_figures(*, since: datetime, ends: list[date], today: date, exercise) -> tuple:
    """The figures of the dashboard's four charts, in one query: the acknowledgements since `since` by PCN
    (acknowledgement_rates), the turnout by PCN of `exercise` (the latest vote; read only while it is not counted:
    priorities.selectors.exercise_turnout), the actions week by week (weekly_status_from) and the requests by week
    received ({week end: {"within_target", "late", "waiting"}}) for the weeks ending on `ends`. Each app's grouped
    reads, joined by UNION ALL, each row a kind and five figures: a round trip and its Python rather than four."""
    live = exercise is not None and priority_selectors.reads_turnout(exercise)
    no_id, no_name = Value(None, output_field=IntegerField()), Value(None, output_field=CharField())

    def figures(since, exercise=None):
        parts = decision_selectors.acknowledgement_parts(since=since, by="pcn")
        if exercise is not None:
            parts.append(priority_services.turnout_counts(exercise)
                         .values_list(Value(_TURNOUT), no_id, no_id, "pcn__name", "eligible", "voted"))
        parts.append(Action.objects.weekly_status_counts(ends)
                     .values_list(Value(_ACTIONS), "made", "completed", "status", "due", "n"))
        parts.append(Request.objects.weekly_triage_counts(ends, today)
                     .values_list(Value(_REQUESTS), "week", "within_target", no_name, "late", "waiting"))
        first, *rest = parts
        return first.union(*rest, all=True)

    # Compiled once a day (and per `today` asked: the weeks' ends are in its SQL), run with this place's id.
    rows = prepared.objects(("dashboard.charts", today, live), figures,
                            since=since, **({"exercise": exercise.pk} if live else {}))
    counted, action_rows, received = [], [], {}
    for kind, first, second, name, third, fourth in rows:
        if kind == _TURNOUT:
            counted.append((name, third, fourth))
        elif kind == _ACTIONS:
            action_rows.append((name, first, second, third, fourth))  # status, made, completed, due, how many
        elif kind == _REQUESTS:
            received[ends[first]] = {"within_target": second, "late": third, "waiting": fourth}
    return (decision_selectors.acknowledgement_rates_from(rows),
            priority_selectors.exercise_turnout(exercise, counted=counted) if exercise else None,
            weekly_status_from(ends, action_rows), received)


def for_dashboard(*, today: date, now: datetime) -> list[BarChart]:
    """The chair's four charts for the place: acknowledgement and turnout by PCN, actions and requests by week. Two
    queries: the latest vote, then every chart's figures."""
    since = now - timedelta(weeks=WINDOW_WEEKS)
    exercise = priority_selectors.latest_voted()
    if exercise:
        state = "open now" if not exercise.is_counted else f"closed {_day(exercise.closed_at)}"
        turnout_caption = f"Practices that voted of each PCN's open practices in “{exercise.title}” ({state})"
    ends = _week_ends(today)
    week_names = _day_names(ends)  # both weekly charts name the same weeks
    rates, turnout, weeks, received = _dashboard_figures(since=since, ends=ends, today=today, exercise=exercise)
    return [
        _acknowledgement_chart(slug="chart-acknowledgement", since=since, by="pcn", heading="PCN", rates=rates),
        BarChart(
            slug="chart-turnout", title="Turnout in the latest priority vote by PCN",
            caption=turnout_caption if exercise else "", category_heading="PCN",
            series=[Series("Voted", BLUE)], is_percent=True,
            rows=_by_name([(row["pcn"], [Figure.share(row["voted"], row["eligible"])])
                           for row in turnout["by_pcn"]]) if exercise else [],
            empty_text="No priority vote has opened yet.",
        ),
        BarChart(
            slug="chart-actions", title="Actions week by week",
            caption=f"Actions open on time and overdue at the end of each week, and actions done during it, over "
                    f"the last {WINDOW_WEEKS} weeks",
            category_heading="Week ending", series=[*ACTION_SERIES, Series("Done that week", GREEN)],
            rows=[(name, [Figure.count(w[k]) for k in ("on_time", "overdue", "done")])
                  for name, w in zip(week_names, weeks, strict=True)]
            if any(w["on_time"] + w["overdue"] + w["done"] for w in weeks) else [],
            empty_text=f"No actions were open or done in the last {WINDOW_WEEKS} weeks.",
        ),
        BarChart(
            slug="chart-requests", title="Requests triaged within target, by week received",
            caption=_triage_caption(f"in each of the last {WINDOW_WEEKS} weeks"),
            category_heading="Week ending", series=REQUEST_SERIES,
            rows=[(name, [Figure.count(received.get(end, {}).get(k, 0))
                           for k in ("within_target", "late", "waiting")])
                  for end, name in zip(ends, week_names, strict=True)] if received else [],
            empty_text=f"No requests were received in the last {WINDOW_WEEKS} weeks.",
        ),
    ]


def for_ics(ics_places: list, *, today: date, now: datetime, actions: dict, requests: dict, turnout: dict,
            acknowledgements: dict | None = None) -> list[BarChart]:
    """The same four for the ICS leaders' page, a row per place of the system; called inside `across(places)`.
    Weeks become the whole window: actions as they stand today, requests received in the last 12 weeks, as the
    page read them (gpleadership.ics: by place, {"on_time", "overdue", "done"} and {"within_target", "late",
    "waiting"}), and each place's latest vote (priorities.selectors.latest_exercises_by_place). `acknowledgements`:
    acknowledgement_rates by place since window_since(now), when the page has read them."""
    since = window_since(now)
    places = [(place.pk, place.name) for place in ics_places]
    zero = {"on_time": 0, "overdue": 0, "done": 0, "within_target": 0, "late": 0, "waiting": 0}

    def _turnout(pk: int) -> Figure:
        if pk not in turnout:
            return Figure.missing("No vote yet")
        exercise, figures = turnout[pk]
        state = "open now" if not exercise.is_counted else f"closed {_day(exercise.closed_at)}"
        return Figure.share(figures["voted"], figures["eligible"], of=f" in “{exercise.title}” ({state})",
                            nothing=f"No open practices in “{exercise.title}”")

    return [
        _acknowledgement_chart(slug="chart-acknowledgement", since=since, by="place", heading="place",
                               groups=places, rates=acknowledgements),
        BarChart(
            slug="chart-turnout", title="Turnout in each place's latest priority vote",
            caption="Practices that voted of each place's open practices, in the vote open now or else the one "
                    "closed most recently",
            category_heading="Place", series=[Series("Voted", BLUE)], is_percent=True,
            rows=[(name, [_turnout(pk)]) for pk, name in places] if turnout else [],
            empty_text="No place has opened a priority vote yet.",
        ),
        BarChart(
            slug="chart-actions", title="Actions by place",
            caption=f"Actions open on time and overdue today, and actions done in the last {WINDOW_WEEKS} weeks, "
                    "by place",
            category_heading="Place", series=[*ACTION_SERIES, Series(f"Done in {WINDOW_WEEKS} weeks", GREEN)],
            rows=[(name, [Figure.count(actions.get(pk, zero)[k]) for k in ("on_time", "overdue", "done")])
                  for pk, name in places] if any(sum(row[k] for k in ("on_time", "overdue", "done"))
                                                 for row in actions.values()) else [],
            empty_text=f"No place has had actions open or done in the last {WINDOW_WEEKS} weeks.",
        ),
        BarChart(
            slug="chart-requests", title="Requests triaged within target, by place",
            caption=_triage_caption(f"in the last {WINDOW_WEEKS} weeks, by place"),
            category_heading="Place", series=REQUEST_SERIES,
            rows=[(name, [Figure.count(requests.get(pk, zero)[k]) for k in ("within_target", "late", "waiting")])
                  for pk, name in places] if requests else [],
            empty_text=f"No requests were received in the last {WINDOW_WEEKS} weeks.",
        ),
    ]
