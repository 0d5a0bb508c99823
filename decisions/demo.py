"""Demo decision history for Northbrook: the group's principles; two agreed and published decisions that
practices have acknowledged; one parked; one redirected to the LMC; one in a live second round; and a draft.

Everything goes through the services, so the history pages show a believable trail, each step at its own moment
over the past months (members.demo.as_of). Idempotent: an item whose title already exists is left alone.
"""

from datetime import date, timedelta

from django.db import transaction

from members.demo import DemoPeople, as_of, days_ago
from members.models import Seat

from . import services
from .models import DecisionItem, Principle

PRINCIPLES = [
    ("The independent contractor model",
     "Practices are independent businesses. The group does not commit a practice to work or costs it has not "
     "agreed to.", date(2024, 6, 12)),
    ("Continuity of care", "Patients do better when they see a clinician who knows them; we protect that first.",
     date(2024, 6, 12)),
    ("One voice for general practice",
     "Once we agree, every member says the same thing to the system, and system partners come to one door.",
     date(2024, 6, 12)),
    ("Subsidiarity", "A matter that belongs to one member – a contract matter to the LMC – goes to that member.",
     date(2024, 9, 4)),
    ("Fair shares", "Money and work that come to general practice are shared by weighted list size unless the "
     "group agrees otherwise.", date(2025, 1, 15)),
]


def _principles() -> dict[str, Principle]:
    found = {}
    for title, description, adopted_on in PRINCIPLES:
        principle = Principle.objects.filter(title=title).first()
        if principle is None:
            with as_of(adopted_on):
                principle = services.principle_create(by=None, title=title, description=description,
                                                      adopted_on=adopted_on)
        found[title] = principle
    return found


def _seats() -> list[Seat]:
    return list(Seat.objects.filter(is_active=True).select_related("holder", "deputy").order_by("pk"))


def _respond(round, seat, stance, *, at, reason="", principle=None, by=None):
    with as_of(at):
        return services.position_record(round=round, seat=seat, by=by or seat.holder or seat.deputy, stance=stance,
                                        reason=reason, principle=principle, now=at)


def _agreed(people, p, *, title, question, background, wording, statement, principles, ago, stand_aside=None,
            acknowledging=0, is_public=False):
    opened = days_ago(ago + 14)
    with as_of(opened - timedelta(days=9)):
        item = services.item_create(raised_by=people.chair, title=title, question=question, background=background,
                                    proposed_wording=wording, lead=people.clinical_directors[0])
    with as_of(opened - timedelta(days=6)):
        services.item_start_discussion(item=item, by=people.chair)
    with as_of(opened):
        the_round = services.round_open(item=item, by=people.chair, deadline=opened + timedelta(days=10), now=opened)
    for n, seat in enumerate(_seats()):
        if stand_aside is not None and seat.organisation_id == stand_aside[0].pk:
            _respond(the_round, seat, "stand_aside", reason=stand_aside[1], at=opened + timedelta(days=3))
        else:
            _respond(the_round, seat, "live_with" if n % 3 == 2 else "support", at=opened + timedelta(days=1 + n % 5))
    decided = days_ago(ago)
    with as_of(decided):
        item = services.item_confirm(item=item, by=people.chair, statement=statement, decided_on=decided.date(),
                                     principles=principles, publish=True, is_public=is_public, now=decided)
    pairs = list(zip(people.practices, people.practice_managers, strict=True))[:acknowledging]
    for n, (practice, manager) in enumerate(pairs):
        # Practices read it over the following days, a few each morning.
        with as_of(decided + timedelta(days=1 + n // 3, hours=n % 3 * 2)):
            services.acknowledgement_record(item=item, practice=practice, by=manager)
    return item


@transaction.atomic
def load_decisions(people: DemoPeople) -> None:
    p = _principles()
    titles = set(DecisionItem.objects.values_list("title", flat=True))

    title = "One front door for system partners"
    if title not in titles:
        _agreed(
            people, p, title=title,
            question="Should every request from the ICB, the trust and the council come to the group through one "
            "point of access, looked after by our gatekeepers?",
            background="Practices receive the same request from three directions and answer it three ways.",
            wording="System partners send requests for general practice's view to the group's single point of "
            "access. Gatekeepers route each request to a lead and reply within ten working days.",
            statement="From 1 December, system partners send requests for general practice's view to the group's "
            "single point of access. Gatekeepers route each one to a lead and reply within ten working days. "
            "Members refer requests that reach them directly to the front door.",
            principles=[p["One voice for general practice"]], ago=60, acknowledging=14, is_public=True,
        )

    title = "Winter access hub rota"
    if title not in titles:
        _agreed(
            people, p, title=title,
            question="How should the winter access hub sessions be shared between the PCNs?",
            background="The ICB funds 40 extra hub sessions a week from December to March.",
            wording="Hub sessions are shared between the PCNs by weighted list size; practices opt in to staff them.",
            statement="The 40 winter hub sessions a week are shared between the five PCNs by weighted list size. "
            "Practices opt in to staff sessions; no practice is required to.",
            principles=[p["Fair shares"], p["The independent contractor model"]], ago=20, acknowledging=6,
            stand_aside=(people.federation, "The federation employs some hub staff, so it stands aside."),
        )

    title = "Joint recruitment of a PCN pharmacy lead"
    if title not in titles:
        opened = days_ago(45)
        with as_of(opened - timedelta(days=5)):
            item = services.item_create(
                raised_by=people.clinical_directors[2], lead=people.clinical_directors[2], title=title,
                question="Should the five PCNs recruit one senior pharmacist to lead their ARRS pharmacy teams?",
                proposed_wording="The PCNs jointly recruit one pharmacy lead, hosted by Eastfield PCN, funded equally.",
            )
        with as_of(opened - timedelta(days=3)):
            services.item_start_discussion(item=item, by=people.chair)
        with as_of(opened):
            the_round = services.round_open(item=item, by=people.chair, deadline=opened + timedelta(days=7),
                                            now=opened)
        for n, seat in enumerate(_seats()[:4]):
            _respond(the_round, seat, "support", at=opened + timedelta(days=1 + n, hours=3))
        closed = opened + timedelta(days=8)
        with as_of(closed):
            services.round_close(round=the_round, now=closed)
        with as_of(closed + timedelta(days=2)):
            services.item_park(
                item=item, by=people.chair,
                reason="Three seats did not respond before the deadline and two PCNs are waiting for their ARRS "
                "budgets for next year. Parked until the budgets are confirmed in March.",
            )

    title = "Local enhanced service: proposed contract variation"
    if title not in titles:
        with as_of(days_ago(33)):
            item = services.item_create(
                raised_by=people.gatekeeper, title=title,
                question="How should practices respond to the ICB's proposed variation to the phlebotomy local "
                "enhanced service?",
                background="The ICB proposes to move the tariff to a per-sample fee from April.",
            )
        with as_of(days_ago(32, hours=4)):
            services.comment_add(item=item, author=people.lmc_chair, body="This is a contract matter: the LMC "
                                 "negotiates local enhanced services for every practice.")
        with as_of(days_ago(30)):
            services.item_redirect(
                item=item, by=people.chair, organisation=people.lmc,
                reason="A contract matter: the LMC negotiates local enhanced services on behalf of every practice. "
                "The LMC will report the outcome to the group.",
            )

    title = f"Shared phlebotomy service across {people.place.name}"
    if title not in titles:
        with as_of(days_ago(27)):
            item = services.item_create(
                raised_by=people.clinical_directors[1], lead=people.clinical_directors[1], title=title,
                question="Should the PCNs offer a shared phlebotomy service that practices can opt in to?",
                background="Three practices have lost their phlebotomists this year; the trust's outpatient "
                "phlebotomy has a three-week wait.",
                proposed_wording="The five PCNs run one phlebotomy service from April, delivered by the federation.",
                principles=[p["Continuity of care"], p["The independent contractor model"]],
                organisations=[people.federation],
            )
        with as_of(days_ago(25)):
            services.item_start_discussion(item=item, by=people.chair)
        with as_of(days_ago(23, hours=6)):
            services.comment_add(item=item, author=people.clinical_directors[3],
                                 body="Westgate & Moor would join if practices keep the option to bleed in-house.")
        seats = _seats()
        with as_of(days_ago(20)):
            first = services.round_open(item=item, by=people.chair, deadline=days_ago(12), now=days_ago(20))
        for n, seat in enumerate(seats[:3]):
            _respond(first, seat, "support", at=days_ago(19, hours=-2 * n))
        fed_seat = next(seat for seat in seats if seat.organisation_id == people.federation.pk)
        _respond(first, fed_seat, "block", at=days_ago(18), principle=p["The independent contractor model"],
                 reason="As worded, practices would have to use the service. Practices must be free to opt in.")
        item.refresh_from_db()
        with as_of(days_ago(9)):
            services.item_update(
                item=item, by=people.clinical_directors[1], title=item.title, question=item.question,
                background=item.background, lead=item.lead,
                proposed_wording="The five PCNs offer one phlebotomy service from April, delivered by the federation. "
                "Each practice chooses whether to opt in, and may bleed in-house as well.",
            )
        with as_of(days_ago(2)):
            second = services.round_open(item=item, by=people.chair, deadline=days_ago(-5), now=days_ago(2))
        for n, seat in enumerate(seats[:3]):
            _respond(second, seat, "support", at=days_ago(1, hours=-3 * n))
        lmc_seat = next(seat for seat in seats if seat.organisation_id == people.lmc.pk)
        _respond(second, lmc_seat, "stand_aside", at=days_ago(0, hours=5),
                 reason="The LMC stands aside: it may have to negotiate the service's terms later.")

    title = "Practice websites: a common accessibility standard"
    if title not in titles:
        with as_of(days_ago(3, hours=2)):
            services.item_create(
                raised_by=people.clinical_directors[4], title=title,
                question="Should we agree one accessibility standard for practice websites?",
                background="The ICB's audit found most practice websites fail WCAG 2.2 AA.",
            )
