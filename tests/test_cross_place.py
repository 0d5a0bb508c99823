"""Nothing of one place is seen, or changed, from another.

Otherton (place B) gets one of every private record the portal keeps, each carrying a marker no other text has.
Every page of a place (walked from gpleadership.place_urls, so a page added later without a mapping here fails
`test_every_place_page_is_mapped`) is asked for with GET and POST by each persona of Testshire (place A: chair,
gatekeeper, member, observer, practice contact, outsider, anonymous):

- under Testshire's address, naming Otherton's records: never found or not allowed (404/403/405, or the sign-in
  page for anonymous), and no marker in any body or redirect;
- under Testshire's address, pages naming no record (lists, forms, the CSV export, the dashboard): no marker;
- under Otherton's own address, where Testshire's people hold no role: Otherton's private records are neither
  found nor changed; only its public pages (About, the request form, public decisions) may show its business.

The digest, each app's reminders, the CSV export and the chair's dashboard of Testshire are checked the same way,
and each check is shown to see Otherton's markers when run in Otherton, so a check that sees nothing proves
something.
"""

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLResolver, get_resolver, get_script_prefix, reverse
from django.utils import timezone

from decisions import emails as decision_emails
from decisions import services as decision_services
from gpleadership import digest, sections
from members import email_links, outbox, papers, places
from members import services as member_services
from members.models import ICS, GroupRole, Organisation, User
from priorities import services as priority_services
from representation import services as representation_services
from representation.models import BriefingComment, LeadershipAgendaItem, RepresentationLead

from . import paper_files
from .factories import (
    ActionFactory,
    AgendaItemFactory,
    BriefingFactory,
    CandidateFactory,
    DecisionItemFactory,
    DeclarationFactory,
    ExerciseFactory,
    FeedbackFactory,
    ForumFactory,
    GroupRoleFactory,
    LeadershipMeetingFactory,
    MeetingFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnerFactory,
    PCNFactory,
    PlaceFactory,
    PracticeFactory,
    PrincipleFactory,
    RepresentativeFactory,
    RequestFactory,
    ReviewFactory,
    SeatFactory,
    UserFactory,
)

PLACE_URLCONF = "gpleadership.place_urls"
SECRET = "OTHERTON-SECRET"
# Testshire's personas, and `both`: Otherton's chair, who is also a member (with a seat and a practice) in
# Testshire, the person most likely to carry one place's business into the other.
PERSONAS = ["chair", "gatekeeper", "member", "observer", "practice_user", "outsider", "anonymous", "both"]
BOTH_EMAIL = "both@example.nhs.uk"
# What a page naming another place's record may answer: not found, not allowed, or not with this method.
DENIED = {403, 404, 405}


@dataclass
class Otherton:
    """Place B and its private records, by the name the URL map below uses."""

    place: object
    records: dict = field(default_factory=dict)
    token: str = ""
    people: list = field(default_factory=list)


_MARKERS = itertools.count(1)


def _secret():
    return f"{SECRET}-{next(_MARKERS)}"


def _build_otherton(testshire) -> Otherton:
    """One of every private record, made in Otherton as its own people would make them (services where the
    factories stop), every text field that shows carrying a marker. Both places are in one ICS: what an ICS
    shares is its own forums, never a place's records."""
    ics = ICS.objects.create(name="North Shire", slug="north-shire", ods_code="QZZ")
    testshire.ics = ics
    testshire.save(update_fields=["ics"])
    place = PlaceFactory(slug="otherton", name="Otherton", commissioner_codes="99B", ics=ics)
    b = Otherton(place=place)
    now, today = timezone.now(), timezone.localdate()
    # Otherton's history emails are recorded as not needed: what is sent later in the tests is Testshire's.
    with places.using(place), outbox.withheld("Otherton's own"):
        person = {
            key: UserFactory(email=f"{key}@otherton.example.nhs.uk", full_name=f"{key.title()} {_secret()}")
            for key in ("chair", "gatekeeper", "member", "holder", "rep", "lead", "pm", "newcomer")
        }
        b.people = list(person.values())
        both = UserFactory(email=BOTH_EMAIL, full_name="Bo Both")
        GroupRoleFactory(user=both, role=GroupRole.Role.CHAIR)
        pcn = PCNFactory(place=place, name=_secret(), ods_code="U99901")
        practice = PracticeFactory(place=place, pcn=pcn, name=_secret(), ods_code="Y99901")
        unvoted = PracticeFactory(place=place, pcn=pcn, name=_secret(), ods_code="Y99902")
        trust = PartnerFactory(place=place, name=_secret(), ods_code="R9991")
        lmc = OrganisationFactory(place=place, kind=Organisation.Kind.LMC, name=_secret(), ods_code=None)
        membership = MembershipFactory(user=person["pm"], organisation=practice, role_title=_secret(),
                                       is_voting_contact=True)
        MembershipFactory(user=person["member"], organisation=pcn, role_title=_secret())
        roles = {key: GroupRoleFactory(user=person[key], role=role) for key, role in [
            ("chair", GroupRole.Role.CHAIR), ("gatekeeper", GroupRole.Role.GATEKEEPER),
            ("member", GroupRole.Role.MEMBER), ("holder", GroupRole.Role.MEMBER), ("rep", GroupRole.Role.MEMBER),
            ("lead", GroupRole.Role.MEMBER),
        ]}
        seat = SeatFactory(title=_secret(), organisation=pcn, holder=person["member"])
        SeatFactory(title=_secret(), organisation=lmc, holder=both, deputy=person["holder"])  # unheard in the round
        declaration = DeclarationFactory(user=person["member"], interest=_secret(), organisation=practice)
        invitation, b.token = member_services.invitation_create(
            invited_by=person["chair"], email="newcomer.invited@otherton.example.nhs.uk", full_name=_secret(),
            organisation=practice, role_title=_secret(),
        )
        principle = PrincipleFactory(title=_secret(), description=_secret())

        draft = DecisionItemFactory(title=_secret(), question=_secret(), status="draft", raised_by=person["chair"])
        in_round = DecisionItemFactory(title=_secret(), question=_secret(), proposed_wording=_secret(),
                                       raised_by=person["member"], lead=person["member"])
        the_round = decision_services.round_open(item=in_round, by=person["chair"], deadline=now + timedelta(days=1))
        decision_services.position_record(round=the_round, seat=seat, by=person["member"], stance="support")
        decision_services.comment_add(item=in_round, author=person["member"], body=_secret())
        decision_services.interest_declare(item=in_round, user=person["member"], interest=_secret())
        published = DecisionItemFactory(
            title=_secret(), question=_secret(), statement=_secret(), status="agreed",
            decided_on=today - timedelta(days=20), published_at=now - timedelta(days=20), raised_by=person["chair"],
        )
        decision_services.acknowledgement_record(item=published, practice=practice, by=person["pm"])
        public = DecisionItemFactory(
            title=_secret(), question=_secret(), statement=_secret(), status="agreed", decided_on=today,
            published_at=now - timedelta(days=1), is_public=True, raised_by=person["chair"],
        )

        # An exercise closing within a day (reminders go to the practice that has not voted) …
        exercise = ExerciseFactory(title=_secret(), purpose=_secret(), created_by=person["chair"],
                                   closes_at=now + timedelta(hours=20))
        candidate = CandidateFactory(exercise=exercise, title=_secret(), description=_secret())
        CandidateFactory(exercise=exercise, title=_secret())
        ballot = priority_services.ballot_cast(exercise=exercise, practice=practice, user=person["pm"],
                                               choices=[candidate.pk])
        # … and one counted, published and agreed, with a delivery plan.
        agreed_from = ExerciseFactory(title=_secret(), purpose=_secret(), created_by=person["chair"], places=1,
                                      opens_at=now - timedelta(days=10), closes_at=now - timedelta(days=3))
        winner = CandidateFactory(exercise=agreed_from, title=_secret(), description=_secret())
        priority_services.ballot_cast(exercise=agreed_from, practice=practice, user=person["pm"],
                                      choices=[winner.pk], now=now - timedelta(days=5))
        priority_services.exercise_close(exercise=agreed_from, now=now - timedelta(days=3))
        priority_services.exercise_publish(exercise=agreed_from, published_by=person["chair"])
        [agreed] = priority_services.priorities_confirm(exercise=agreed_from, candidates=[winner],
                                                        confirmed_by=person["chair"])
        plan_item = priority_services.plan_item_add(
            priority=agreed, parent=None, kind="objective", added_by=person["chair"], title=_secret(),
            lead=_secret(), due_date=today - timedelta(days=1), rag_status="red", note=_secret(),
        )

        forum = ForumFactory(name=_secret(), host=trust, purpose=_secret())
        representative = RepresentativeFactory(forum=forum, user=person["rep"],
                                               term_starts_on=today - timedelta(days=400))
        meeting = MeetingFactory(forum=forum, created_by=person["chair"], held_on=today - timedelta(days=20),
                                 feedback_due_on=today - timedelta(days=13))
        agenda_item = AgendaItemFactory(meeting=meeting, title=_secret())
        briefing = BriefingFactory(agenda_item=agenda_item, position=_secret(), may_agree=_secret(),
                                   written_by=person["rep"])
        # The meeting has happened, so the service would refuse a comment now: it was made before.
        comment = BriefingComment.objects.create(briefing=briefing, author=person["member"], body=_secret())
        feedback = FeedbackFactory(agenda_item=AgendaItemFactory(meeting=meeting, title=_secret()),
                                   discussed=_secret(), needs_sign_off=_secret(), written_by=person["rep"])
        action = ActionFactory(title=_secret(), owner=person["member"], created_by=person["chair"],
                               due_on=today - timedelta(days=3), meeting=meeting)
        review = ReviewFactory(representative=representative, working_well=_secret(), next_steps=_secret(),
                               recorded_by=person["chair"], reviewed_on=today - timedelta(days=400))
        lead = RepresentationLead.objects.create(user=person["lead"], slot=1)
        relationship = representation_services.relationship_record(
            organisation=trust, contact_name=_secret(), contact_role=_secret(), held_by=person["chair"],
            notes=_secret(),
        )
        request = RequestFactory(summary=_secret(), details=_secret(), organisation_name=_secret(),
                                 requester_name=_secret(), received_at=now - timedelta(days=30))
        # A paper of every kind, each with a marker in its title, its name and its content.
        def paper(owner, **details):
            marker = _secret()
            return papers.paper_add(owner=owner, file=paper_files.upload(f"{marker}.pdf", paper_files.pdf(marker)),
                                    title=marker, uploaded_by=person["chair"], **details)

        item_paper = paper(published)
        draft_paper = paper(draft)
        meeting_paper = paper(meeting, kind="minutes")
        agenda_paper = paper(meeting, agenda_item=agenda_item)
        briefing_paper = paper(briefing)
        request_paper = paper(request)
        leadership_meeting = LeadershipMeetingFactory()
        leadership_item = LeadershipAgendaItem.objects.create(
            meeting=leadership_meeting, kind=LeadershipAgendaItem.Kind.OTHER, title=_secret(), position=1,
        )

    b.records = {
        "practice": practice, "unvoted_practice": unvoted, "pcn": pcn, "trust": trust, "membership": membership,
        "seat": seat, "group_role": roles["member"], "declaration": declaration, "invitation": invitation,
        "principle": principle, "draft": draft, "in_round": in_round, "round": the_round, "published": published,
        "public": public, "exercise": exercise, "candidate": candidate, "ballot": ballot,
        "agreed_exercise": agreed_from, "agreed": agreed, "plan_item": plan_item, "forum": forum,
        "representative": representative, "meeting": meeting, "agenda_item": agenda_item, "briefing": briefing,
        "comment": comment, "feedback": feedback, "action": action, "review": review, "lead": lead,
        "relationship": relationship, "request": request, "leadership_item": leadership_item,
        "item_paper": item_paper, "draft_paper": draft_paper, "meeting_paper": meeting_paper,
        "agenda_paper": agenda_paper, "briefing_paper": briefing_paper, "request_paper": request_paper,
    }
    return b


@pytest.fixture
def otherton(db, testshire):
    return _build_otherton(testshire)


@pytest.fixture
def both(otherton, practice):
    """Otherton's chair, who is also a member of Testshire's group, holds a seat and votes for a practice there."""
    user = User.objects.get(email=BOTH_EMAIL)
    GroupRoleFactory(user=user, role=GroupRole.Role.MEMBER)
    SeatFactory(holder=user)
    MembershipFactory(user=user, organisation=practice, is_voting_contact=True)
    return user


# The URL map ----------------------------------------------------------------------------------------------------

def _pk(key):
    return lambda b: {"pk": b.records[key].pk}


def _each(*keys):
    """The pattern is asked for with each of these records' pk in turn."""
    return lambda b: [{"pk": b.records[key].pk} for key in keys]


NO_RECORD = None  # a page that names no record: a list, a form that adds one, an export, the dashboard
ITEMS = ("draft", "in_round", "published", "public")
EXERCISES = ("exercise", "agreed_exercise")

# Every pattern of a place's pages, with the Otherton records its kwargs are filled with.
URL_MAP = {
    "about": NO_RECORD,
    "dashboard": NO_RECORD,
    "dashboard_remind": lambda b: [{"target": "round", "pk": b.records["round"].pk},
                                   {"target": "exercise", "pk": b.records["exercise"].pk},
                                   {"target": "action", "pk": b.records["action"].pk},
                                   {"target": "feedback", "pk": b.records["meeting"].pk}],
    "digest_preview": NO_RECORD,
    "digest_preview_html": NO_RECORD,
    "digest_test_send": NO_RECORD,
    "members:directory": NO_RECORD,
    "members:organisation": _each("practice", "pcn", "trust"),
    "members:group": NO_RECORD,
    "members:group_manage": NO_RECORD,
    "members:seat_create": NO_RECORD,
    "members:seat_edit": _pk("seat"),
    "members:seat_retire": _pk("seat"),
    "members:group_role_create": NO_RECORD,
    "members:group_role_end": _pk("group_role"),
    "members:declarations": NO_RECORD,
    "members:declaration_end": _pk("declaration"),
    "members:invitations": NO_RECORD,
    "members:invitation_revoke": _pk("invitation"),
    "members:invitation_accept": lambda b: {"token": b.token},
    "decisions:log": NO_RECORD,
    "decisions:log_csv": NO_RECORD,
    "decisions:published": NO_RECORD,
    "decisions:public": NO_RECORD,
    "decisions:item_create": NO_RECORD,
    "decisions:principles": NO_RECORD,
    "decisions:principle_edit": _pk("principle"),
    "decisions:principle_archive": _pk("principle"),
    "decisions:item": _each(*ITEMS),
    "decisions:item_edit": _each(*ITEMS),
    "decisions:item_start_discussion": _each(*ITEMS),
    "decisions:comment_add": _each(*ITEMS),
    "decisions:interest_declare": _each(*ITEMS),
    "decisions:acknowledge": _each(*ITEMS),
    "decisions:round_open": _each(*ITEMS),
    "decisions:round_close": lambda b: {"pk": b.records["in_round"].pk, "number": b.records["round"].number},
    "decisions:respond": lambda b: {"pk": b.records["in_round"].pk, "number": b.records["round"].number,
                                    "seat_pk": b.records["seat"].pk},
    "decisions:record_for_seat": lambda b: {"pk": b.records["in_round"].pk, "number": b.records["round"].number,
                                            "seat_pk": b.records["seat"].pk},
    "decisions:acknowledge_by_link": lambda b: [
        {"token": email_links.make("acknowledge", item=b.records[key].pk, practice=b.records["practice"].pk)}
        for key in ITEMS],
    "decisions:respond_by_link": lambda b: {
        "token": email_links.make("respond", round=b.records["round"].pk, seat=b.records["seat"].pk)},
    "decisions:confirm": _each(*ITEMS),
    "decisions:publish": _each(*ITEMS),
    "decisions:item_end": lambda b: [{"pk": b.records[key].pk, "outcome": outcome}
                                     for key in ITEMS for outcome in ("park", "redirect", "withdraw")],
    "decisions:paper_add": _each(*ITEMS),
    "decisions:paper": lambda b: [{"pk": b.records[item].pk, "paper_pk": b.records[paper].pk}
                                  for item, paper in (("published", "item_paper"), ("draft", "draft_paper"))],
    "priorities:list": NO_RECORD,
    "priorities:exercise_create": NO_RECORD,
    "priorities:exercise": _each(*EXERCISES),
    "priorities:exercise_edit": _each(*EXERCISES),
    "priorities:candidate_add": _each(*EXERCISES),
    "priorities:candidate_edit": _pk("candidate"),
    "priorities:candidate_remove": _pk("candidate"),
    "priorities:exercise_open": _each(*EXERCISES),
    "priorities:exercise_close": _each(*EXERCISES),
    "priorities:exercise_publish": _each(*EXERCISES),
    "priorities:exercise_archive": _each(*EXERCISES),
    "priorities:vote": lambda b: [{"pk": b.records["exercise"].pk, "practice_pk": b.records[key].pk}
                                  for key in ("practice", "unvoted_practice")],
    "priorities:ballot_by_link": lambda b: [
        {"token": email_links.make("ballot", exercise=b.records[e].pk, practice=b.records[p].pk)}
        for e in EXERCISES for p in ("practice", "unvoted_practice")],
    "priorities:confirm": _each(*EXERCISES),
    "priorities:priority": _pk("agreed"),
    "priorities:plan_item_add": _pk("agreed"),
    "priorities:plan_item_edit": _pk("plan_item"),
    "priorities:plan_item_remove": _pk("plan_item"),
    "representation:forums": NO_RECORD,
    "representation:forum_new": NO_RECORD,
    "representation:forum": _pk("forum"),
    "representation:forum_edit": _pk("forum"),
    "representation:forum_archive": _pk("forum"),
    "representation:representative_new": _pk("forum"),
    "representation:meeting_new": _pk("forum"),
    "representation:lead_end": _pk("lead"),
    "representation:representative": _pk("representative"),
    "representation:representative_stand_down": _pk("representative"),
    "representation:relationships": NO_RECORD,
    "representation:relationship_edit": _pk("relationship"),
    "representation:relationship_archive": _pk("relationship"),
    "representation:meeting": _pk("meeting"),
    "representation:meeting_edit": _pk("meeting"),
    "representation:agenda_item_add": _pk("meeting"),
    "representation:agenda_item_archive": _pk("agenda_item"),
    "representation:briefing": _pk("agenda_item"),
    "representation:feedback": _pk("agenda_item"),
    "representation:comment_add": _pk("briefing"),
    "representation:feedback_decision": _pk("feedback"),
    "representation:meeting_paper_add": _pk("meeting"),
    "representation:meeting_paper": lambda b: [{"pk": b.records["meeting"].pk, "paper_pk": b.records[paper].pk}
                                               for paper in ("meeting_paper", "agenda_paper")],
    "representation:briefing_paper_add": _pk("briefing"),
    "representation:briefing_paper": lambda b: {"pk": b.records["briefing"].pk,
                                                "paper_pk": b.records["briefing_paper"].pk},
    "representation:request_paper_add": _pk("request"),
    "representation:request_paper": lambda b: {"pk": b.records["request"].pk,
                                               "paper_pk": b.records["request_paper"].pk},
    "representation:actions": NO_RECORD,
    "representation:my_actions": NO_RECORD,
    "representation:action_new": NO_RECORD,
    "representation:action": _pk("action"),
    "representation:reviews": NO_RECORD,
    "representation:requests": NO_RECORD,
    "representation:request_new": NO_RECORD,
    "representation:request_sent": NO_RECORD,
    "representation:request": _pk("request"),
    "representation:agenda": NO_RECORD,
    "representation:agenda_gather": NO_RECORD,
    "representation:agenda_add": NO_RECORD,
    "representation:agenda_move": _pk("leadership_item"),
    "representation:agenda_remove": _pk("leadership_item"),
}

# Otherton's pages anyone may read under its own address: what the group tells the public, the partners' request
# form, and an invitation opened with its (secret, emailed) token.
PUBLIC_IN_OWN_PLACE = {
    ("about", None), ("decisions:public", None), ("representation:request_new", None),
    ("representation:request_sent", None), ("members:invitation_accept", None),
    ("decisions:item", "public"),
}


def _walk(resolver, route="", namespace=""):
    """(name, route, kwarg names) of every pattern under the resolver, nested includes too."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _walk(pattern, route + str(pattern.pattern), inner)
        else:
            name = ":".join(filter(None, [namespace, pattern.name]))
            yield name, route + str(pattern.pattern), set(pattern.pattern.converters)


def _place_patterns():
    return list(_walk(get_resolver(PLACE_URLCONF)))


def test_every_place_page_is_mapped():
    walked = {name for name, _, _ in _place_patterns()}
    assert len(walked) == len(_place_patterns()), "two place patterns share a name"
    assert walked - set(URL_MAP) == set(), "pages with no Otherton record mapped in tests/test_cross_place.py"
    assert set(URL_MAP) - walked == set(), "mapped pages that no longer exist"


def _record_label(b, kwargs):
    for key, record in b.records.items():
        if kwargs.get("pk") == record.pk and key in ITEMS:
            return key
    return None


def _cells(b):
    """(name, kwargs, record label or None) for every pattern; kwargs None for pages naming no record."""
    cells = []
    for name, route, kwarg_names in _place_patterns():
        fill = URL_MAP[name]
        if fill is NO_RECORD:
            assert not kwarg_names, f"{name} ({route}) takes {kwarg_names}: map it to Otherton's records"
            cells.append((name, None, None))
            continue
        variants = fill(b)
        for kwargs in variants if isinstance(variants, list) else [variants]:
            assert set(kwargs) == kwarg_names, f"{name} ({route}) takes {kwarg_names}, mapped {set(kwargs)}"
            cells.append((name, kwargs, _record_label(b, kwargs)))
    return cells


def _address(slug, name, kwargs):
    path = reverse(name, kwargs=kwargs or None, urlconf=PLACE_URLCONF)
    return f"/{slug}/" + path[len(get_script_prefix()):]


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace") + response.get("Location", "")


def _login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def _history_counts():
    """How many history rows each audited model of the portal has: any write leaves one."""
    with places.unscoped():
        return {
            model._meta.label: model.objects.count() for model in apps.get_models()
            if model.__name__.startswith("Historical") and model._meta.label != "members.HistoricalUser"
        }


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_shows_or_changes_another_places_records(persona, otherton, testshire, request):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = Client()
    if user is not None:
        client.force_login(user)
    cells = _cells(otherton)
    leaks, checked = [], 0

    def ask(address, method, *, allowed_statuses=None, may_show=False):
        nonlocal checked
        checked += 1
        response = client.get(address) if method == "GET" else client.post(address, {})
        status_ok = allowed_statuses is None or response.status_code in allowed_statuses or (
            user is None and _login_redirect(response))
        shows = SECRET in _body(response)
        if not status_ok or (shows and not may_show):
            leaks.append(f"{method} {address} as {persona}: {response.status_code}"
                         + (" shows Otherton" if shows else ""))

    for method in ("GET", "POST"):
        # The pages of no place, and Testshire's home.
        for address in ("/", "/places/", f"/{testshire.slug}/"):
            ask(address, method)
        # Under Testshire's address: Otherton's records are not found, and no page shows them.
        for name, kwargs, _ in cells:
            ask(_address(testshire.slug, name, kwargs), method, allowed_statuses=None if kwargs is None else DENIED)

    changed = {}
    if persona != "both":  # Otherton's chair may of course work in Otherton
        # Under Otherton's own address, where Testshire's people hold no role: nothing private is shown or changed.
        before = _history_counts()
        for name, kwargs, label in cells:
            public = (name, label) in PUBLIC_IN_OWN_PLACE
            for method in ("GET", "POST"):
                ask(_address(otherton.place.slug, name, kwargs), method,
                    allowed_statuses=None if kwargs is None or public else DENIED, may_show=public)
        changed = {label: (before[label], n) for label, n in _history_counts().items() if before[label] != n}

    assert checked == (6 + 2 * len(cells)) + (0 if persona == "both" else 2 * len(cells))
    assert leaks == [], f"{len(leaks)} of {checked} cells leak:\n" + "\n".join(leaks)
    assert not changed, f"Testshire's {persona} changed Otherton's records: {changed}"


def test_otherton_own_people_do_see_its_records(otherton, client_for):
    """The control: the markers are on the pages, so the sweep above would see a leak."""
    chair_b = User.objects.get(email="chair@otherton.example.nhs.uk")
    client = client_for(chair_b)
    for name, kwargs in [("decisions:item", {"pk": otherton.records["in_round"].pk}), ("decisions:log_csv", None),
                         ("dashboard", None), ("representation:forum", {"pk": otherton.records["forum"].pk}),
                         ("representation:meeting_paper", {"pk": otherton.records["meeting"].pk,
                                                           "paper_pk": otherton.records["meeting_paper"].pk}),
                         ("decisions:paper", {"pk": otherton.records["draft"].pk,
                                              "paper_pk": otherton.records["draft_paper"].pk})]:
        response = client.get(_address("otherton", name, kwargs))
        assert response.status_code == 200 and SECRET in _body(response), name
    assert client.get(_address("testshire", "decisions:log_csv", None)).status_code == 403


# The digest, reminders, exports and dashboard ------------------------------------------------------------------

def _testshire_business(chair, member):
    """A little of Testshire's own business, so its digest, reminders and dashboard have something to say."""
    now = timezone.now()
    item = DecisionItemFactory(title="Testshire item", raised_by=chair)
    decision_services.round_open(item=item, by=chair, deadline=now + timedelta(days=1))
    ExerciseFactory(title="Testshire priorities", created_by=chair, closes_at=now + timedelta(hours=20))
    ActionFactory(title="Testshire action", owner=member, created_by=chair,
                  due_on=timezone.localdate() - timedelta(days=1))


def _everything_sent_or_queued(mailoutbox) -> str:
    return "\n".join(f"{m.subject}\n{m.to}\n{m.body}\n" + "".join(str(a[0]) for a in getattr(m, "alternatives", []))
                     for m in mailoutbox)


def _queue_reminders_and_digest():
    now, today = timezone.now(), timezone.localdate()
    queued = []
    for round_id in decision_services.rounds_due_a_reminder(now=now):
        queued += decision_services.round_emails_queue(round_id=round_id, kind=decision_emails.ROUND_REMINDER,
                                                       now=now)
    queued += priority_services.reminders_queue(now=now)
    queued += representation_services.action_reminders_queue(today=today)
    queued += digest.digest_schedule(week=digest.week_starting(today))
    return queued


def test_testshire_emails_say_nothing_of_otherton(otherton, testshire, chair, member, practice_user, observer, both,
                                                 mailoutbox, deliver):
    b_people = {person.pk for person in otherton.people}
    with places.using(testshire):  # anew: Testshire is now in an ICS
        _testshire_business(chair, member)
        queued = _queue_reminders_and_digest()
        assert queued, "Testshire has reminders and digests to send"
        for person in (chair, member, practice_user, observer, both):
            content = digest.digest_content(user=person, since=timezone.now() - timedelta(days=30))
            assert SECRET not in repr(content), person
            assert content["sections"], person
    with places.unscoped():
        rows = list(outbox.OutboxEmail.objects.filter(pk__in=queued))
    assert {row.place_id for row in rows} == {testshire.pk}
    assert not {row.recipient_id for row in rows} & b_people
    assert both.pk in {row.recipient_id for row in rows}

    deliver()
    sent = _everything_sent_or_queued(mailoutbox)
    assert len(mailoutbox) >= len(queued)
    assert SECRET not in sent
    assert "otherton.example" not in sent


def test_otherton_emails_do_name_its_records(otherton, mailoutbox, deliver):
    """The control: the same reminders and digest, sent in Otherton, carry its markers."""
    with places.using(otherton.place):
        assert _queue_reminders_and_digest()
        deliver()
    assert SECRET in _everything_sent_or_queued(mailoutbox)


def test_testshire_dashboard_digest_preview_and_export_show_nothing_of_otherton(otherton, testshire, chair, member,
                                                                                both, client_for):
    today = timezone.localdate()
    with places.using(testshire):
        _testshire_business(chair, member)
        dashboard = sections.for_dashboard(today=today)
    assert any(section["items"] for section in dashboard)
    assert SECRET not in repr(dashboard)
    with places.using(otherton.place):
        assert SECRET in repr(sections.for_dashboard(today=today))

    for person in (chair, both):
        client = client_for(person)
        for name in ("dashboard", "digest_preview", "decisions:log_csv", "decisions:log", "representation:agenda",
                     "representation:my_actions"):
            response = client.get(_address(testshire.slug, name, None))
            assert response.status_code == (200 if person == chair or name in MEMBER_PAGES else 403), (person, name)
            assert SECRET not in _body(response), (person, name)


MEMBER_PAGES = {"decisions:log", "decisions:log_csv", "representation:agenda", "representation:my_actions"}


# Forms --------------------------------------------------------------------------------------------------------

FORM_KWARGS = {"InvitationForm": lambda chair: {"inviter": chair}, "LogFilterForm": lambda chair: {"statuses": []},
               "OnBehalfForm": lambda chair: {"seat": SeatFactory(holder=chair)}}


def _form_classes():
    import inspect

    from django import forms

    from decisions import forms as decision_forms
    from members import forms as member_forms
    from representation import forms as representation_forms

    for module in (member_forms, decision_forms, representation_forms):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__ and not name.startswith("_"):
                yield name, cls


def test_no_form_offers_another_places_records(otherton, testshire, chair):
    """Every choice of a record or a person in every form of Testshire leaves out Otherton's (and its people)."""
    from django import forms

    theirs = {}
    for record in otherton.records.values():
        theirs.setdefault(type(record), set()).add(record.pk)
    theirs[User] = {person.pk for person in otherton.people}
    offered, checked = [], 0
    with places.using(testshire):
        for name, cls in _form_classes():
            # The ICS request form offers the ICS's places on purpose: a partner routes a request to several.
            if cls.__name__ in {"ShapeOnlyModelForm", "ICSRequestForm"}:
                continue
            form = cls(**FORM_KWARGS.get(name, lambda chair: {})(chair))
            for field_name, form_field in form.fields.items():
                if isinstance(form_field, forms.ModelChoiceField):
                    checked += 1
                    model = form_field.queryset.model
                    if form_field.queryset.filter(pk__in=theirs.get(model, set())).exists():
                        offered.append(f"{name}.{field_name}")
    assert checked >= 20
    assert offered == []
