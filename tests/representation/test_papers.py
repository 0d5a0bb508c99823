"""Papers in representation: a forum meeting's minutes and papers (for the meeting or one agenda item), the papers
behind a briefing, and a request's papers (one sent with the public form, more added by the gatekeepers). Each is
read by whoever reads its owner and added by whoever may change it."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members import papers, places
from representation import services
from representation.forms import started_token
from representation.models import BriefingPaper, MeetingPaper, Request, RequestPaper

from .. import paper_files as files
from ..factories import AgendaItemFactory, BriefingFactory, MeetingFactory, RequestFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(forum, chair):
    return MeetingFactory(forum=forum, created_by=chair)


@pytest.fixture
def agenda_item(meeting):
    return AgendaItemFactory(meeting=meeting, title="Discharge letters")


@pytest.fixture
def briefing(agenda_item, rep):
    return BriefingFactory(agenda_item=agenda_item, written_by=rep)


@pytest.fixture
def req():
    return RequestFactory(summary="Winter plan")


def _data(upload=None, *, title="", supersedes="", **extra):
    return {"paper-file": upload if upload is not None else files.upload("minutes.pdf"), "paper-title": title,
            "paper-supersedes": supersedes, **{f"paper-{k}": v for k, v in extra.items()}}


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# Meetings ------------------------------------------------------------------------------------------------------

def _meeting_add(meeting):
    return reverse("representation:meeting_paper_add", args=[meeting.pk])


@pytest.mark.parametrize("persona", ["rep", "lead", "chair", "gatekeeper"])
def test_whoever_may_correct_the_meeting_adds_its_minutes(client_for, request, meeting, persona, papers_root):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    response = client.post(_meeting_add(meeting), _data(files.upload("Minutes March.pdf"), kind="minutes"))
    assert response.status_code == 302 and response.url.endswith("#papers")
    paper = MeetingPaper.objects.get()
    assert (paper.meeting, paper.kind, paper.agenda_item, paper.uploaded_by) == (meeting, "minutes", None, user)
    assert paper.title == "Minutes March" and paper.history.count() == 1
    page = client.get(reverse("representation:meeting", args=[meeting.pk])).content.decode()
    assert "“Minutes March” is added." in page and paper.get_absolute_url() in page


def test_a_paper_for_one_agenda_item_is_listed_under_it(client_for, rep, meeting, agenda_item, papers_root):
    client = client_for(rep)
    response = client.post(_meeting_add(meeting), _data(files.upload("letters.xlsx", files.xlsx()), title="Audit",
                                                        kind="paper", agenda_item=agenda_item.pk))
    assert response.status_code == 302
    paper = MeetingPaper.objects.get()
    assert paper.agenda_item == agenda_item and paper.content_type == papers.XLSX
    page = client.get(reverse("representation:meeting", args=[meeting.pk])).content.decode()
    section = page[page.index(f'id="item-{agenda_item.pk}"'):]
    assert "Papers for this item" in section and paper.get_absolute_url() in section


def test_an_agenda_item_of_another_meeting_is_refused(client_for, rep, meeting, forum, papers_root):
    other = AgendaItemFactory(meeting=MeetingFactory(forum=forum, held_on=timezone.localdate() - timedelta(days=40)))
    response = client_for(rep).post(_meeting_add(meeting), _data(kind="paper", agenda_item=other.pk))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="on this meeting's agenda"):
        services.meeting_paper_add(meeting=meeting, file=files.upload(), agenda_item=other, uploaded_by=rep)
    assert not MeetingPaper.objects.exists()


def test_the_paper_form_offers_the_agenda_the_page_read_and_still_checks_the_choice(meeting, forum,
                                                                                    django_assert_num_queries):
    from representation.forms import MeetingPaperForm

    second, first = AgendaItemFactory(meeting=meeting, position=2), AgendaItemFactory(meeting=meeting, position=1)
    other = AgendaItemFactory(meeting=MeetingFactory(forum=forum, held_on=timezone.localdate() - timedelta(days=40)))
    with django_assert_num_queries(0):
        form = MeetingPaperForm(current=[], meeting=meeting, items=[first, second])
        choices = list(form.fields["agenda_item"].choices)
    assert choices == [("", "The whole meeting"), (first.pk, first.title), (second.pk, second.title)]
    bound = MeetingPaperForm({"paper-agenda_item": other.pk}, current=[], meeting=meeting, items=[first, second])
    assert "agenda_item" in bound.errors


@pytest.mark.parametrize("persona, status", [("member", 403), ("observer", 403), ("practice_user", 404),
                                             ("outsider", 404)])
def test_nobody_else_adds_a_meeting_paper(client_for, request, meeting, persona, status, papers_root):
    response = client_for(request.getfixturevalue(persona)).post(_meeting_add(meeting), _data(kind="minutes"))
    assert response.status_code == status
    assert not MeetingPaper.objects.exists()


def test_anonymous_adds_no_meeting_paper(client, meeting, papers_root):
    response = client.post(_meeting_add(meeting), _data(kind="minutes"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_minutes_renamed_from_a_program_are_refused_and_the_choices_kept(client_for, rep, meeting, agenda_item,
                                                                        papers_root):
    response = client_for(rep).post(_meeting_add(meeting), _data(files.upload("minutes.pdf", files.exe()),
                                                                 title="March minutes", kind="minutes",
                                                                 agenda_item=agenda_item.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert papers.WRONG_TYPE.split(".")[0] in html and 'value="March minutes"' in html
    assert re.search(r'<input type="radio" name="paper-kind" value="minutes"[^>]* checked', html)  # still chosen
    assert re.search(rf'<option value="{agenda_item.pk}"[^>]* selected', html)
    assert not MeetingPaper.objects.exists()


def test_a_meeting_paper_one_byte_too_large_is_refused(client_for, rep, meeting, settings, papers_root):
    settings.PAPER_MAX_BYTES = 1024
    response = client_for(rep).post(_meeting_add(meeting),
                                    _data(files.upload("big.pdf", files.pdf().ljust(1025, b" ")), kind="paper"))
    assert response.status_code == 400 and "The file must be 1 KB or smaller" in response.content.decode()


def test_superseded_minutes_are_kept_and_still_downloadable(client_for, rep, observer, meeting, agenda_item,
                                                           papers_root):
    v1 = services.meeting_paper_add(meeting=meeting, file=files.upload("minutes.pdf", files.pdf("draft")),
                                    kind="minutes", agenda_item=agenda_item, uploaded_by=rep)
    response = client_for(rep).post(_meeting_add(meeting), _data(files.upload("minutes-final.pdf",
                                                                              files.pdf("final")),
                                                                 supersedes=v1.pk, kind="paper"))
    assert response.status_code == 302
    v2 = MeetingPaper.objects.get(supersedes=v1)
    # A new version is the same paper: its kind and agenda item are the old one's, whatever the form said.
    assert (v2.kind, v2.agenda_item, v2.title) == ("minutes", agenda_item, "minutes")
    assert MeetingPaper.history.count() == 2
    reader = client_for(observer)
    page = reader.get(reverse("representation:meeting", args=[meeting.pk])).content.decode()
    assert "Earlier versions of minutes (1)" in page
    assert _body(reader.get(v1.get_absolute_url())) == files.pdf("draft")
    assert _body(reader.get(v2.get_absolute_url())) == files.pdf("final")


@pytest.mark.parametrize("persona", ["observer", "member", "rep"])
def test_the_group_downloads_a_meetings_papers(client_for, request, rep, meeting, persona, papers_root):
    paper = services.meeting_paper_add(meeting=meeting, file=files.upload("slides.pptx", files.pptx()),
                                       uploaded_by=rep)
    response = client_for(request.getfixturevalue(persona)).get(paper.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == papers.PPTX and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="slides.pptx"'


@pytest.mark.parametrize("persona", ["practice_user", "outsider"])
def test_a_meetings_papers_are_not_found_outside_the_group(client_for, request, rep, meeting, persona, papers_root):
    paper = services.meeting_paper_add(meeting=meeting, file=files.upload(), uploaded_by=rep)
    assert client_for(request.getfixturevalue(persona)).get(paper.get_absolute_url()).status_code == 404


def test_a_meeting_paper_is_not_found_through_another_meeting(client_for, chair, rep, meeting, forum, papers_root):
    paper = services.meeting_paper_add(meeting=meeting, file=files.upload(), uploaded_by=rep)
    other = MeetingFactory(forum=forum, held_on=timezone.localdate() - timedelta(days=30))
    url = reverse("representation:meeting_paper", args=[other.pk, paper.pk])
    assert client_for(chair).get(url).status_code == 404


def test_an_archived_meetings_papers_go_with_it(client_for, chair, rep, meeting, papers_root):
    paper = services.meeting_paper_add(meeting=meeting, file=files.upload(), uploaded_by=rep)
    meeting.is_archived = True
    meeting.save(update_fields=["is_archived"])
    assert client_for(chair).get(paper.get_absolute_url()).status_code == 404


# Briefings -----------------------------------------------------------------------------------------------------

def _briefing_add(briefing):
    return reverse("representation:briefing_paper_add", args=[briefing.pk])


@pytest.mark.parametrize("persona", ["rep", "lead"])
def test_those_who_write_the_briefing_add_its_papers(client_for, request, briefing, agenda_item, persona,
                                                    papers_root):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    page = client.get(reverse("representation:briefing", args=[agenda_item.pk])).content.decode()
    assert "Papers behind the briefing" in page and 'enctype="multipart/form-data"' in page
    response = client.post(_briefing_add(briefing), _data(files.upload("position.docx", files.docx()),
                                                          title="Our position"))
    assert response.status_code == 302
    assert response.url == reverse("representation:briefing", args=[agenda_item.pk]) + "#papers"
    paper = BriefingPaper.objects.get()
    assert (paper.briefing, paper.title, paper.uploaded_by) == (briefing, "Our position", user)
    meeting_page = client.get(reverse("representation:meeting", args=[agenda_item.meeting_id])).content.decode()
    assert paper.get_absolute_url() in meeting_page


@pytest.mark.parametrize("persona, status", [("member", 403), ("chair", 403), ("observer", 403),
                                             ("practice_user", 404), ("outsider", 404)])
def test_nobody_else_adds_a_briefing_paper(client_for, request, briefing, persona, status, papers_root):
    response = client_for(request.getfixturevalue(persona)).post(_briefing_add(briefing), _data())
    assert response.status_code == status
    assert not BriefingPaper.objects.exists()


def test_a_bad_briefing_paper_shows_on_the_briefing_page_with_the_briefing_kept(client_for, rep, briefing,
                                                                               papers_root):
    response = client_for(rep).post(_briefing_add(briefing), _data(files.upload("x.pdf", files.html()),
                                                                   title="Kept title"))
    assert response.status_code == 400
    html = response.content.decode()
    assert papers.WRONG_TYPE.split(".")[0] in html and 'value="Kept title"' in html
    assert briefing.position in html  # the briefing's own form is still filled in


def test_a_briefing_with_none_saved_yet_takes_no_papers(client_for, rep, agenda_item, papers_root):
    page = client_for(rep).get(reverse("representation:briefing", args=[agenda_item.pk])).content.decode()
    assert "Save the briefing first" in page and "paper-file" not in page


def test_briefing_papers_are_read_by_the_group_only(client_for, rep, observer, practice_user, briefing, papers_root):
    paper = papers.paper_add(owner=briefing, file=files.upload("evidence.png", files.png()), uploaded_by=rep)
    response = client_for(observer).get(paper.get_absolute_url())
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert client_for(practice_user).get(paper.get_absolute_url()).status_code == 404


# Requests ------------------------------------------------------------------------------------------------------

NEEDED_BY = (timezone.localdate() + timedelta(days=21)).isoformat()


def _public_form(upload=None, **overrides):
    data = {
        "requester_name": "Tess Partner", "requester_email": "tess@trust.example.nhs.uk",
        "requester_role": "Director of strategy", "organisation_name": "Northbrook Hospitals NHS Foundation Trust",
        "summary": "Discharge letters", "details": "We want general practice's view on a discharge standard.",
        "needed_by": NEEDED_BY, "website": "", "started": started_token(at=time.time() - 60),
    }
    if upload is not None:
        data["file"] = upload
    data.update(overrides)
    return data


def test_a_partner_sends_one_paper_with_the_public_form(client, gatekeeper, client_for, papers_root):
    page = client.get(reverse("representation:request_new")).content.decode()
    assert 'enctype="multipart/form-data"' in page and "A document for the group (optional)" in page
    assert "up to 20 MB" in page
    response = client.post(reverse("representation:request_new"),
                           _public_form(files.upload("Discharge standard.docx", files.docx())))
    assert response.status_code == 302 and response.url == reverse("representation:request_sent")
    paper = RequestPaper.objects.get()
    assert paper.request == Request.objects.get() and paper.uploaded_by is None
    assert paper.content_type == papers.DOCX and (papers_root / paper.file.name).read_bytes() == files.docx()
    html = client_for(gatekeeper).get(reverse("representation:request", args=[paper.request_id])).content.decode()
    assert paper.get_absolute_url() in html and "with the request" in html


def test_the_public_form_still_works_without_a_file(client, papers_root):
    assert client.post(reverse("representation:request_new"), _public_form()).status_code == 302
    assert Request.objects.exists() and not RequestPaper.objects.exists()


def test_a_file_one_byte_too_large_on_the_public_form_is_refused_and_the_answers_kept(client, settings,
                                                                                     papers_root):
    settings.PAPER_MAX_BYTES = 4096
    response = client.post(reverse("representation:request_new"),
                           _public_form(files.upload("big.pdf", files.pdf().ljust(4097, b" "))))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file must be 4 KB or smaller" in html
    assert "Tess Partner" in html and "Director of strategy" in html and "Discharge letters" in html
    assert not Request.objects.exists()


def test_a_program_renamed_as_a_pdf_on_the_public_form_is_refused(client, papers_root):
    response = client.post(reverse("representation:request_new"),
                           _public_form(files.upload("letter.pdf", files.exe())))
    assert response.status_code == 400
    assert papers.WRONG_TYPE.split(".")[0] in response.content.decode()
    assert not Request.objects.exists() and not RequestPaper.objects.exists()


def test_a_good_file_with_a_bad_answer_asks_for_the_file_again(client, papers_root):
    response = client.post(reverse("representation:request_new"),
                           _public_form(files.upload("letter.pdf"), requester_email="not-an-email"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html and papers.CHOOSE_AGAIN in html and "Tess Partner" in html
    assert not RequestPaper.objects.exists()


def test_a_paper_sent_to_several_places_is_stored_once_and_given_to_each_copy(client, testshire, ics, riverton,
                                                                             papers_root):
    data = _public_form(files.upload("Winter plan.pdf", files.pdf("winter")),
                        places=[str(testshire.pk), str(riverton.pk)])
    response = client.post("/ics/north-shire/request/", data)
    assert response.status_code == 302
    with places.unscoped():
        copies = list(RequestPaper.objects.select_related("request__place").order_by("request__place__name"))
    assert [paper.request.place for paper in copies] == [riverton, testshire]
    assert copies[0].file.name == copies[1].file.name and copies[0].sha256 == copies[1].sha256
    assert len([f for f in papers_root.rglob("*") if f.is_file()]) == 1
    with places.using(riverton):
        assert _body(papers.paper_download(copies[0])) == files.pdf("winter")


@pytest.mark.parametrize("persona", ["gatekeeper", "chair"])
def test_gatekeepers_add_more_papers_to_a_request(client_for, request, req, persona, papers_root):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(reverse("representation:request_paper_add", args=[req.pk]),
                                     _data(files.upload("reply.pdf"), title="Our reply"))
    assert response.status_code == 302 and response.url.endswith("#papers")
    paper = RequestPaper.objects.get()
    assert (paper.request, paper.title, paper.uploaded_by) == (req, "Our reply", user)


@pytest.mark.parametrize("persona, status", [("member", 404), ("observer", 404), ("practice_user", 404),
                                             ("outsider", 404)])
def test_nobody_else_adds_or_reads_a_requests_papers(client_for, request, gatekeeper, req, persona, status,
                                                     papers_root):
    paper = papers.paper_add(owner=req, file=files.upload(), uploaded_by=gatekeeper)
    client = client_for(request.getfixturevalue(persona))
    assert client.post(reverse("representation:request_paper_add", args=[req.pk]), _data()).status_code == status
    assert client.get(paper.get_absolute_url()).status_code == status
    assert RequestPaper.objects.count() == 1


def test_anonymous_reads_no_request_paper(client, gatekeeper, req, papers_root):
    paper = papers.paper_add(owner=req, file=files.upload(), uploaded_by=gatekeeper)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_bad_request_paper_opens_the_form_with_the_problem(client_for, gatekeeper, req, papers_root):
    response = client_for(gatekeeper).post(reverse("representation:request_paper_add", args=[req.pk]),
                                           _data(files.upload("x.pdf", files.plain_zip())))
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="nhsuk-details" open>' in html and papers.WRONG_TYPE.split(".")[0] in html


# Queries -------------------------------------------------------------------------------------------------------

def test_the_meeting_page_runs_constant_queries_as_papers_grow(client_for, rep, meeting, papers_root, count_queries):
    client = client_for(rep)
    url = reverse("representation:meeting", args=[meeting.pk])

    def add(n):
        for _ in range(n):
            item = AgendaItemFactory(meeting=meeting)
            briefing = BriefingFactory(agenda_item=item, written_by=UserFactory())
            for owner, details in ((meeting, {"kind": "minutes"}), (meeting, {"agenda_item": item})):
                first = services.meeting_paper_add(meeting=owner, file=files.upload(), uploaded_by=UserFactory(),
                                                   **details)
                services.meeting_paper_add(meeting=owner, file=files.upload(), uploaded_by=UserFactory(),
                                           supersedes=first)
            papers.paper_add(owner=briefing, file=files.upload(), uploaded_by=UserFactory())

    add(1)
    small = count_queries(client, url)
    add(8)
    large = count_queries(client, url)
    print(f"\nmeeting page queries: 1 item with papers={small}, 9={large}")
    assert small == large


def test_the_request_and_briefing_pages_run_constant_queries_as_papers_grow(client_for, gatekeeper, rep, req,
                                                                           briefing, papers_root, count_queries):
    pages = [(client_for(gatekeeper), reverse("representation:request", args=[req.pk]), req),
             (client_for(rep), reverse("representation:briefing", args=[briefing.agenda_item_id]), briefing)]

    def add(n):
        for _, _, owner in pages:
            for _ in range(n):
                first = papers.paper_add(owner=owner, file=files.upload(), uploaded_by=UserFactory())
                papers.paper_add(owner=owner, file=files.upload(), uploaded_by=UserFactory(), supersedes=first)

    add(1)
    small = [count_queries(client, url) for client, url, _ in pages]
    add(8)
    large = [count_queries(client, url) for client, url, _ in pages]
    print(f"\nrequest, briefing page queries: 1 paper={small}, 9={large}")
    assert small == large


def test_the_meeting_page_reads_its_papers_and_its_briefings_papers_together(rep, meeting, agenda_item, briefing,
                                                                             papers_root, django_assert_num_queries):
    from members.papers import with_versions
    from representation import selectors

    whole = services.meeting_paper_add(meeting=meeting, file=files.upload("minutes.pdf"), kind="minutes",
                                       agenda_item=None, uploaded_by=rep)
    v1 = services.meeting_paper_add(meeting=meeting, file=files.upload("letters.pdf"), kind="paper",
                                    agenda_item=agenda_item, uploaded_by=rep)
    v2 = MeetingPaper.objects.create(**{f: getattr(v1, f) for f in ("title", "file", "original_name", "content_type",
                                                                    "size", "sha256")},
                                     meeting=meeting, kind="paper", agenda_item=agenda_item, supersedes=v1,
                                     uploaded_by=None)
    behind = BriefingPaper.objects.create(**{f: getattr(v1, f) for f in ("title", "file", "original_name",
                                                                         "content_type", "size", "sha256")},
                                          briefing=briefing, uploaded_by=rep)
    for _ in range(2):  # compiled the first time, run from the prepared SQL the second (members.prepared)
        with django_assert_num_queries(1):
            attached = selectors._agenda_attachments(meeting.pk)
        meeting_papers, briefing_papers = attached["meeting_papers"], attached["briefing_papers"]
        assert sorted(p.pk for p in meeting_papers) == sorted([whole.pk, v1.pk, v2.pk])
        assert [p.pk for p in briefing_papers] == [behind.pk]
        for read, model in [(meeting_papers, MeetingPaper), (briefing_papers, BriefingPaper)]:
            for paper in read:
                stored = model.objects.get(pk=paper.pk)
                assert all(getattr(paper, f.attname) == getattr(stored, f.attname) for f in model._meta.concrete_fields)
                assert paper.get_absolute_url() == stored.get_absolute_url()
                assert (paper.uploaded_by and paper.uploaded_by.get_full_name()) == (
                    stored.uploaded_by and stored.uploaded_by.get_full_name())
        [current] = [p for p in with_versions(meeting_papers) if p.agenda_item_id == agenda_item.pk]
        assert current.pk == v2.pk and [e.pk for e in current.earlier] == [v1.pk]
