"""Demo data for the whole portal: two places of one ICS (Northbrook and the smaller Southmere), each app adding its
own part on top of the members app's places; the LMC chair sits on both groups; and an ICS-level forum where one
representative speaks for both places."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members import outbox, places
from members.demo import (
    NORTHBROOK,
    SOUTHMERE,
    DemoPeople,
    PlaceSpec,
    as_of,
    days_ago,
    demo_ics,
    demo_place,
    load_members,
)
from members.models import Organisation

ICS_FORUM = "North Shire Primary Care Collaborative Board"


def load(*, password_hash: str | None) -> DemoPeople:
    """Load (or find again) the demo; returns Northbrook's people, whose sign-ins the command prints."""
    # The demo's people have made-up addresses: the emails its history would trigger are recorded, never sent.
    with outbox.withheld("demo data"):
        people = _load(password_hash=password_hash)
        southmere = _load(password_hash=password_hash, spec=SOUTHMERE)
        people.other_places = [southmere]
        _load_ics_forum(people, southmere)
        return people


def _load(*, password_hash: str | None, spec: PlaceSpec = NORTHBROOK) -> DemoPeople:
    with places.unscoped():
        place = demo_place(spec)
    with places.using(place):
        return _load_place(password_hash=password_hash, spec=spec)


def _load_place(*, password_hash: str | None, spec: PlaceSpec = NORTHBROOK) -> DemoPeople:
    people = load_members(password_hash=password_hash, spec=spec)
    from decisions.demo import load_decisions

    load_decisions(people)
    from priorities.demo import load_priorities

    load_priorities(people)
    from representation.demo import load_representation

    load_representation(people)
    return people


@transaction.atomic
def _load_ics_forum(northbrook: DemoPeople, southmere: DemoPeople) -> None:
    """The ICS-level forum: Northbrook's chair represents general practice of both places on it, briefed by both."""
    from representation.models import AgendaItem, Briefing, Forum, Meeting, Representative

    today = timezone.localdate(days_ago(0))
    with places.using(northbrook.place):
        icb = Organisation.objects.get(ods_code="QZZ")
        with as_of(today - timedelta(days=125)):
            forum, _ = Forum.objects.get_or_create(
                name=ICS_FORUM, place=None, ics=demo_ics(),
                defaults={"host": icb, "cadence": "Every other month",
                          "purpose": "Where the ICB plans primary care across North Shire; general practice of every "
                                     "place speaks through one representative, briefed by all the place groups."},
            )
        if not Representative.objects.filter(forum=forum).exists():
            with as_of(today - timedelta(days=121)):
                Representative.objects.create(
                    forum=forum, user=northbrook.chair, role=Representative.Role.REPRESENTATIVE,
                    term_starts_on=today - timedelta(days=120), term_ends_on=today + timedelta(days=610),
                )
                Representative.objects.create(
                    forum=forum, user=southmere.chair, role=Representative.Role.DEPUTY,
                    term_starts_on=today - timedelta(days=120), term_ends_on=today + timedelta(days=610),
                )
        if not Meeting.objects.filter(forum=forum).exists():
            held_on = today + timedelta(days=9)
            with as_of(today - timedelta(days=20)):
                meeting = Meeting.objects.create(forum=forum, held_on=held_on,
                                                 feedback_due_on=held_on + timedelta(days=7),
                                                 created_by=northbrook.chair)
                item = AgendaItem.objects.create(meeting=meeting, title="Primary care access recovery plan",
                                                 position=1)
            with as_of(today - timedelta(days=3)):
                Briefing.objects.create(
                    agenda_item=item, written_by=northbrook.chair,
                    position="Both places back the plan if the money reaches practices, not only hubs.",
                    may_agree="A shared North Shire approach to online consultation.",
                    must_come_back="Anything that moves practice funding between places.",
                    red_lines="No new contractual targets without the LMC's agreement.",
                )
