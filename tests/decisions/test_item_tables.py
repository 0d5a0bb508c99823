"""The item page's long tables written in Python (decisions.templatetags.item_tables) write what the template
language wrote for them."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from decisions.templatetags import item_tables

# The rows as the templates wrote them before (templates/decisions/includes/golden_thread.html, item.html).
ACK_TEMPLATE = Template(
    '{% for row in ack_by_pcn %}<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">'
    '{{ row.name|default:"Not in a PCN" }}</th><td class="nhsuk-table__cell nhsuk-table__cell--numeric">'
    '{{ row.acknowledged }}</td><td class="nhsuk-table__cell nhsuk-table__cell--numeric">{{ row.practices }}</td>'
    '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{% widthratio row.acknowledged row.practices 100 %}%'
    '</td></tr>{% empty %}<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="4">No practices are '
    'registered yet.</td></tr>{% endfor %}')

HISTORY_TEMPLATE = Template(
    '{% for ph in position_history %}<tr class="nhsuk-table__row">'
    '<td class="nhsuk-table__cell portal-nowrap"><span class="nhsuk-table-responsive__heading" aria-hidden="true">'
    'When </span>{{ ph.history_date|date:"j M Y H:i" }}</td>'
    '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Round </span>'
    '{{ ph.round.number }}</td>'
    '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Seat </span>'
    '{{ ph.seat.title }}</td>'
    '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Position </span>'
    '{{ ph.get_stance_display }}</td>'
    '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Given by </span>'
    '{{ ph.responded_by.get_full_name }}</td></tr>{% endfor %}')


@pytest.mark.parametrize("by_pcn", [
    [],
    [{"name": "North & <West> PCN", "acknowledged": 1, "practices": 8},  # 12.5 %: rounded as the template does
     {"name": "South PCN", "acknowledged": 5, "practices": 8},
     {"name": "Even PCN", "acknowledged": 3, "practices": 3},
     {"name": None, "acknowledged": 0, "practices": 2}],
])
def test_acknowledgement_rows_are_what_the_template_wrote(by_pcn):
    assert item_tables.acknowledgement_rows(by_pcn) == ACK_TEMPLATE.render(Context({"ack_by_pcn": by_pcn}))


def test_position_history_rows_are_what_the_template_wrote():
    def person(name):
        return SimpleNamespace(get_full_name=lambda: name)

    records = [
        SimpleNamespace(history_date=datetime(2026, 7, 1, 23, 5, tzinfo=UTC),  # the next day in London (BST)
                        round=SimpleNamespace(number=2), seat=SimpleNamespace(title="LMC <chair>"),
                        get_stance_display=lambda: "Can live with it", responded_by=person("Dr O'Neil & Co")),
        SimpleNamespace(history_date=datetime(2026, 1, 9, 8, 30, tzinfo=UTC),
                        round=SimpleNamespace(number=1), seat=SimpleNamespace(title="Federation"),
                        get_stance_display=lambda: "Support", responded_by=person("Ann")),
    ]
    with timezone.override("Europe/London"):
        written = item_tables.position_history_rows(records)
        assert written == HISTORY_TEMPLATE.render(Context({"position_history": records}))
    assert "2 Jul 2026 00:05" in written and "&lt;chair&gt;" in written


def _person(name):
    return SimpleNamespace(get_full_name=lambda: name)


def _listed(*objects):
    return SimpleNamespace(all=lambda: list(objects))


def _item(**changes):
    fields = {
        "pk": 41, "status": "agreed", "question": "Shall we <share>\nthe clinics?",
        "raised_by": _person("Dr O'Neil & Co"),
        "created_at": datetime(2026, 7, 1, 23, 5, tzinfo=UTC), "lead": None, "statement": "We share & <agree>.",
        "principles": _listed(SimpleNamespace(title="Access & <equity>"), SimpleNamespace(title="Continuity")),
        "organisations": _listed(), "decided_on": datetime(2026, 7, 2).date(), "outcome_reason": "",
        "published_at": datetime(2026, 7, 3, 9, 0, tzinfo=UTC), "redirected_to": None}
    return SimpleNamespace(**{**fields, **changes})


ITEMS = [
    _item(),
    _item(principles=_listed(), published_at=None, lead=_person("Ann <Lead>"),
          organisations=_listed(SimpleNamespace(name="Acme & ICB"), SimpleNamespace(name="Zed"))),
    _item(status="consensus_check", lead=_person("")),
    _item(status="not_agreed", outcome_reason="Not now <ever>", decided_on=None),
    _item(status="redirected", outcome_reason="Theirs", redirected_to=SimpleNamespace(name="LMC & co")),
    _item(status="redirected", outcome_reason="", redirected_to=None),
    _item(status="withdrawn", outcome_reason="Raised twice"),
    _item(status="draft", question=""),
]


@pytest.mark.parametrize("item", ITEMS)
@pytest.mark.parametrize("last", [None, {"round": SimpleNamespace(number=3)}])
def test_the_summary_and_outcome_are_what_their_templates_wrote(item, last):
    from django.template import engines
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    context = {"item": item, "last": last}
    engine = engines["django"]
    with timezone.override("Europe/London"):
        for tag, reference in [("item_summary", "decisions/includes/item_summary.html"),
                               ("item_outcome", "decisions/includes/outcome.html")]:
            written = engine.from_string(f"{{% load item_tables %}}{{% {tag} %}}").render(context, request)
            assert written == engine.from_string(f'{{% include "{reference}" %}}').render(context, request), tag


def _practice(pk, name):
    return SimpleNamespace(pk=pk, name=name)


@pytest.mark.parametrize("mine", [
    [],
    [{"practice": _practice(3, "Oak & <Elm>"), "seen": False}],
    [{"practice": _practice(3, "Oak & <Elm>"), "seen": True}],
    [{"practice": _practice(3, "Oak"), "seen": True}, {"practice": _practice(4, "Ash & Co"), "seen": False},
     {"practice": _practice(5, "Yew"), "seen": False}],
])
@pytest.mark.parametrize("totals", [{"acknowledged": 1, "practices": 8}, {"acknowledged": 0, "practices": 0}])
def test_the_golden_thread_is_what_its_template_wrote(mine, totals):
    from django.template import engines
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    by_pcn = [{"name": "North & <West> PCN", "acknowledged": 1, "practices": 8}]
    context = {"item": SimpleNamespace(pk=41), "my_practices": mine, "ack_totals": totals, "ack_by_pcn": by_pcn,
               "csrf_token": "tok<en>"}
    engine = engines["django"]
    written = engine.from_string("{% load item_tables %}{% golden_thread %}").render(context, request)
    reference = engine.from_string('{% include "decisions/includes/golden_thread.html" %}').render(context, request)
    assert written == reference
    assert written.count("<form ") == sum(not row["seen"] for row in mine)


# The rows of a round's positions as item.html wrote them, in the page's {% with r=rv.round %}.
ROUND_ROWS_TEMPLATE = Template(
    '{% with r=rv.round %}{% for row in rv.rows %}{% with p=row.position %}\n    <tr class="nhsuk-tab'
    'le__row">\n      <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" ari'
    'a-hidden="true">Seat </span>{{ row.seat.title }}</td>\n      <td class="nhsuk-table__cell"><span'
    ' class="nhsuk-table-responsive__heading" aria-hidden="true">Position </span>{% if p %}{% includ'
    'e "decisions/includes/stance_tag.html" with position=p %}{% if p.interest_flag %}<br><strong cl'
    'ass="nhsuk-tag nhsuk-tag--orange nhsuk-u-margin-top-2">Declared interest</strong>{% endif %}{% '
    'else %}<strong class="nhsuk-tag nhsuk-tag--grey">Not responded</strong>{% endif %}</td>\n      <'
    'td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">R'
    'eason </span>{% if p.reason %}{{ p.reason|linebreaksbr }}{% if p.principle %}<br><span class="n'
    'hsuk-body-s">Principle at stake: {{ p.principle.title }}</span>{% endif %}{% else %}–{% endif %'
    '}{% if p.interest_flag %}<br><span class="nhsuk-body-s">Interest: {{ p.interest_flag }}</span>{'
    '% endif %}</td>\n      <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__headin'
    'g" aria-hidden="true">Responded </span>{% if p %}{{ p.responded_by.get_full_name }}{% if p.resp'
    'onded_by_id == row.seat.deputy_id %} (deputy){% endif %}, {{ p.responded_at|date:"j M Y H:i" }}'
    '{% if p.recorded_by_id %}<br><span class="nhsuk-body-s">{{ p.get_given_how_display }}, recorded'
    ' by {{ p.recorded_by.get_full_name }}</span>{% endif %}{% elif r.is_open and can_record %}<a hr'
    'ef="{% url \'decisions:record_for_seat\' item.pk r.number row.seat.pk %}">Record a position given'
    ' by phone or in the meeting<span class="nhsuk-u-visually-hidden"> for {{ row.seat.title }}</spa'
    'n></a>{% else %}–{% endif %}</td>\n    </tr>\n    {% endwith %}{% endfor %}{% endwith %}')


def _seat(pk, title, deputy_id=None):
    return SimpleNamespace(pk=pk, title=title, deputy_id=deputy_id)


def _position(stance, display, **fields):
    values = {"stance": stance, "get_stance_display": lambda: display, "interest_flag": "", "reason": "",
              "principle": None, "responded_by": _person("Dr O'Neil & Co"), "responded_by_id": 7,
              "responded_at": datetime(2026, 7, 1, 23, 5, tzinfo=UTC), "recorded_by_id": None, "recorded_by": None,
              "get_given_how_display": lambda: "By phone"}
    return SimpleNamespace(**{**values, **fields})


ROUND_ROWS = [
    {"seat": _seat(1, "LMC <chair>"), "position": _position("support", "Support")},
    {"seat": _seat(2, "Federation", deputy_id=7), "position": _position(
        "live_with", "Can live with it", reason="Costs & <risks>\nlater",
        principle=SimpleNamespace(title="Access & co"), interest_flag="Partner <in> a practice")},
    {"seat": _seat(3, "ICB"), "position": _position(
        "stand_aside", "Stand aside", reason="Not ours", recorded_by_id=9, recorded_by=_person("Chair <Ann>"))},
    {"seat": _seat(4, "PCN"), "position": _position("block", "Block", interest_flag="Owner", responded_at=None)},
    {"seat": _seat(5, "Practice & <co>"), "position": None},
]


@pytest.mark.parametrize("is_open", [False, True])
@pytest.mark.parametrize("can_record", [False, True])
@pytest.mark.parametrize("rows", [[], ROUND_ROWS])
def test_round_position_rows_are_what_the_template_wrote(is_open, can_record, rows):
    view = {"round": SimpleNamespace(is_open=is_open, number=2), "rows": rows}
    item = SimpleNamespace(pk=41)
    with timezone.override("Europe/London"):
        written = item_tables.round_position_rows(view, item, can_record)
        assert written == ROUND_ROWS_TEMPLATE.render(Context({"rv": view, "item": item, "can_record": can_record}))
    assert ("on-behalf" in written) == bool(rows and is_open and can_record)


def _round(number, *, outcome, is_open=False, closed_by=None, wording="Share the <clinics> & \"rooms\""):
    labels = {"": "Open", "consensus": "Consensus reached", "blocked": "Blocked", "lapsed": "Lapsed",
              "superseded": "Superseded"}
    return SimpleNamespace(
        number=number, outcome=outcome, get_outcome_display=lambda: labels[outcome], is_open=is_open,
        opened_at=datetime(2026, 7, 1, 23, 5, tzinfo=UTC), opened_by=_person("Dr O'Neil & <Co>"),
        deadline=datetime(2026, 7, 8, 23, 30, tzinfo=UTC), closed_by=closed_by, wording=wording,
        closed_at=None if is_open else datetime(2026, 7, 9, tzinfo=UTC))


def _round_view(the_round, *, rows=(), missing=(), stand_asides=(), my_seats=(), previous=None, overdue=False,
                consensus=False):
    from decisions.diff import has_changes, word_diff

    diff = word_diff(previous.wording, the_round.wording) if previous else None
    return {"round": the_round, "verdict": SimpleNamespace(is_consensus=consensus), "rows": list(rows),
            "missing": list(missing), "stand_asides": list(stand_asides), "my_seats": list(my_seats),
            "diff": diff if diff and has_changes(diff) else None, "previous": previous, "overdue": overdue}


def _rounds(state: str) -> list[dict]:
    """Three rounds, oldest first: consensus, then blocked (its wording changed), then the last in `state`."""
    seat, other = _seat(5, "Practice & <co>"), _seat(6, "LMC \"chair\"")
    aside = {"seat": other, "position": _position("stand_aside", "Stand aside", reason="Not ours")}
    aside["position"].seat = other
    first = _round(1, outcome="consensus", closed_by=_person("Chair <Ann>"))
    second = _round(2, outcome="blocked", wording="Share the <clinics> & the 'halls'")
    views = [_round_view(first, rows=[aside]), _round_view(second, rows=ROUND_ROWS, missing=[seat],
                                                           stand_asides=[aside["position"]], previous=first)]
    if state == "none":
        return []
    if state.startswith("closed"):
        last = _round(3, outcome="lapsed" if state == "closed lapsed" else "superseded", wording=second.wording)
        return [*views, _round_view(last, missing=[seat, other], previous=second)]
    last = _round(3, outcome="", is_open=True, wording="Share the clinics")
    mine = [{"seat": seat, "position": None}, {"seat": other, "position": aside["position"]}]
    one_asked = state == "waiting for one"
    return [*views, _round_view(last, rows=[{"seat": seat, "position": None}] if one_asked else ROUND_ROWS,
                                missing=[seat], my_seats=[] if one_asked else mine, previous=second,
                                overdue=state == "overdue", consensus=state == "consensus")]


@pytest.mark.parametrize("state", ["none", "closed lapsed", "closed superseded", "waiting for one", "waiting",
                                   "overdue", "consensus"])
@pytest.mark.parametrize("is_chair", [False, True])
def test_the_rounds_are_what_their_template_wrote(state, is_chair):
    from django.template import engines
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    context = {"item": SimpleNamespace(pk=41), "rounds": _rounds(state), "is_chair": is_chair,
               "can_record": is_chair, "csrf_token": "tok<en>"}
    engine = engines["django"]
    with timezone.override("Europe/London"):
        written = engine.from_string("{% load item_tables %}{% item_rounds %}").render(context, request)
        reference = engine.from_string('{% include "decisions/includes/rounds.html" %}').render(context, request)
    assert written == reference
    assert written.count("<section ") == len(context["rounds"])
    assert ("Close round 3 now" in written) == (is_chair and state not in ("none", "closed lapsed",
                                                                           "closed superseded"))
    if state != "none":
        assert "Dr O&#x27;Neil &amp; &lt;Co&gt;" in written and "[added: </span>" in written
        assert "Thursday 9 July 2026" in written or state.startswith("closed")


def _said(kind: str, text: str, person, at):
    if kind == "comment":
        return SimpleNamespace(body=text, author=person, created_at=at)
    return SimpleNamespace(interest=text, user=person, declared_at=at)


def _history():
    long = "A very long wording & <more> " * 8
    return [
        {"when": datetime(2026, 7, 3, 9, 0, tzinfo=UTC), "who": None, "created": False,
         "changes": [{"label": "Status", "value": "Agreed"}, {"label": "Proposed wording", "value": long}]},
        {"when": datetime(2026, 7, 1, 23, 5, tzinfo=UTC), "who": _person("Chair <Ann> & \"co\""), "created": False,
         "changes": [{"label": "Lead", "value": "Dr O'Neil"}]},
        {"when": datetime(2026, 6, 30, 8, 0, tzinfo=UTC), "who": _person(""), "created": True,
         "changes": [{"label": "Title", "value": "Share <clinics>"}, {"label": "Status", "value": "Draft"},
                     {"label": "Question", "value": "Shall we?"}]},
    ]


POSITION_HISTORY = [SimpleNamespace(history_date=datetime(2026, 7, 1, 23, 5, tzinfo=UTC),
                                    round=SimpleNamespace(number=2), seat=SimpleNamespace(title="LMC <chair>"),
                                    get_stance_display=lambda: "Support", responded_by=_person("Dr O'Neil & Co"))]


@pytest.mark.parametrize("said", ["nothing", "much"])
@pytest.mark.parametrize("may", ["read", "comment", "declare", "both, after a refused comment"])
def test_the_discussion_interests_and_history_are_what_their_template_wrote(said, may):
    from django.template import engines
    from django.test import RequestFactory

    from decisions.forms import CommentForm, InterestForm

    person = _person("Dr O'Neil & <Co>")
    at = datetime(2026, 7, 1, 23, 5, tzinfo=UTC)  # the next day in London (BST)
    context = {
        "item": SimpleNamespace(pk=41), "csrf_token": "tok<en>",
        "comments": [_said("comment", "First <b>\nline & \"quoted\"", person, at),
                     _said("comment", "Second", _person(""), at)] if said == "much" else [],
        "interests": [_said("interest", "Partner <in> & 'co'", person, at)] if said == "much" else [],
        "history": _history() if said == "much" else [],
        "position_history": POSITION_HISTORY if said == "much" else [],
        "can_comment": may in ("comment", "both, after a refused comment"),
        "can_declare": may in ("declare", "both, after a refused comment"),
        "comment_form": CommentForm({"body": ""}) if may.startswith("both") else CommentForm(),
        "interest_form": InterestForm(),
    }
    if may.startswith("both"):
        context["comment_form"].add_error("body", "Write a comment <first>.")
    request = RequestFactory().get("/")
    engine = engines["django"]
    with timezone.override("Europe/London"):
        written = engine.from_string("{% load item_tables %}{% item_discussion %}").render(context, request)
        reference = engine.from_string('{% include "decisions/includes/discussion.html" %}').render(context, request)
    assert written == reference
    assert written.count("<form ") == context["can_comment"] + context["can_declare"]
    if said == "much":
        assert "First &lt;b&gt;\nline &amp; &quot;quoted&quot;" in written and "2 July 2026 00:05" in written
        assert "The portal" in written and "Raised the item. Status: Draft" in written
