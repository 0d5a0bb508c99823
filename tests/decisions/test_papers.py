"""Papers on decision items: added by whoever may edit the item, read by whoever may read it (practices once it is
published), refused when too large or not what they say, kept when superseded."""

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions.models import ItemPaper
from members import papers

from .. import paper_files as files
from ..factories import DecisionItemFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(chair, member):
    """An item in discussion that the member leads."""
    return DecisionItemFactory(raised_by=chair, lead=member, title="Discharge standard")


@pytest.fixture
def published(chair):
    return DecisionItemFactory(raised_by=chair, title="Agreed standard", status="agreed", statement="Agreed.",
                               decided_on=timezone.localdate(), published_at=timezone.now())


def _add_url(item):
    return reverse("decisions:paper_add", args=[item.pk])


def _post(client, item, upload=None, *, title="", supersedes=""):
    data = {"paper-file": upload if upload is not None else files.upload("standard.pdf"), "paper-title": title,
            "paper-supersedes": supersedes}
    return client.post(_add_url(item), data)


def _paper(item, by, name="standard.pdf", content=None, **kwargs):
    return papers.paper_add(owner=item, file=files.upload(name, content), uploaded_by=by, **kwargs)


# Adding --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["member", "chair"])  # the item's lead, and the chair
def test_whoever_may_edit_the_item_adds_a_paper(client_for, request, item, persona, papers_root):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    response = _post(client, item, title="Draft standard")
    assert response.status_code == 302 and response.url == reverse("decisions:item", args=[item.pk]) + "#papers"
    paper = ItemPaper.objects.get()
    assert (paper.item, paper.title, paper.uploaded_by, paper.content_type) == (item, "Draft standard", user,
                                                                                 papers.PDF)
    assert (papers_root / paper.file.name).read_bytes() == files.pdf()
    page = client.get(reverse("decisions:item", args=[item.pk])).content.decode()
    assert "“Draft standard” is added." in page and paper.get_absolute_url() in page


@pytest.mark.parametrize("name", list(files.ALLOWED))
def test_each_allowed_type_is_accepted_on_the_page(client_for, member, item, name, papers_root):
    build, content_type = files.ALLOWED[name]
    response = _post(client_for(member), item, files.upload(name, build(), "application/octet-stream"))
    assert response.status_code == 302
    assert ItemPaper.objects.get().content_type == content_type


@pytest.mark.parametrize("persona, status", [("gatekeeper", 403), ("observer", 403), ("practice_user", 404),
                                             ("outsider", 404)])
def test_nobody_else_adds_one(client_for, request, item, persona, status, papers_root):
    response = _post(client_for(request.getfixturevalue(persona)), item)
    assert response.status_code == status
    assert not ItemPaper.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, item, papers_root):
    response = _post(client, item)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not ItemPaper.objects.exists()


def test_an_agreed_item_takes_no_more_papers_from_its_lead(client_for, member, chair, papers_root):
    agreed = DecisionItemFactory(raised_by=chair, lead=member, status="agreed", decided_on=timezone.localdate())
    assert _post(client_for(member), agreed).status_code == 403


@pytest.mark.parametrize("content", [files.exe(), files.html(), files.plain_zip()], ids=["exe", "html", "zip"])
def test_a_file_renamed_as_a_pdf_is_refused_and_the_title_kept(client_for, member, item, content, papers_root):
    response = _post(client_for(member), item, files.upload("minutes.pdf", content), title="My title")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "The file must be a PDF, a Word, Excel or PowerPoint file" in html
    assert 'value="My title"' in html
    assert not ItemPaper.objects.exists()


def test_a_file_one_byte_over_the_limit_is_refused_with_the_limit(client_for, member, item, settings, papers_root):
    settings.PAPER_MAX_BYTES = 2048
    content = files.pdf().ljust(2049, b"\x00")
    response = _post(client_for(member), item, files.upload("big.pdf", content), title="Big")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file must be 2 KB or smaller" in html and 'value="Big"' in html
    assert not ItemPaper.objects.exists()
    assert _post(client_for(member), item, files.upload("fits.pdf", content[:2048])).status_code == 302


def test_a_file_over_the_real_limit_is_refused_not_a_server_error(client_for, member, item, papers_root):
    """20 MB and a byte, through the upload handler that drops what passes the limit."""
    content = files.pdf().ljust(20 * 1024 * 1024 + 1, b"\x00")
    response = _post(client_for(member), item, files.upload("huge.pdf", content))
    assert response.status_code == 400
    assert "The file must be 20 MB or smaller" in response.content.decode()
    assert not ItemPaper.objects.exists()


def test_no_file_is_refused(client_for, member, item, papers_root):
    response = client_for(member).post(_add_url(item), {"paper-title": "Nothing"})
    assert response.status_code == 400 and papers.CHOOSE_A_FILE in response.content.decode()


def test_a_good_file_with_a_bad_title_asks_for_the_file_again(client_for, member, item, papers_root):
    response = _post(client_for(member), item, title="x" * 201)
    assert response.status_code == 400
    assert papers.CHOOSE_AGAIN in response.content.decode()
    assert not ItemPaper.objects.exists()


# Versions ------------------------------------------------------------------------------------------------------

def test_a_new_version_supersedes_the_old_which_stays_downloadable(client_for, member, chair, item, papers_root):
    v1 = _paper(item, chair, "standard.pdf", files.pdf("version one"), title="The standard")
    client = client_for(member)
    response = _post(client, item, files.upload("standard-v2.pdf", files.pdf("version two")),
                     supersedes=str(v1.pk))
    assert response.status_code == 302
    v2 = ItemPaper.objects.get(supersedes=v1)
    assert v2.title == "The standard" and list(ItemPaper.objects.current()) == [v2]
    assert ItemPaper.objects.count() == 2 and ItemPaper.history.count() == 2
    page = client.get(reverse("decisions:item", args=[item.pk])).content.decode()
    assert "Earlier versions of The standard (1)" in page and v1.get_absolute_url() in page
    old = client.get(v1.get_absolute_url())
    assert old.status_code == 200 and b"".join(old.streaming_content) == files.pdf("version one")


def test_a_paper_of_another_item_cannot_be_superseded_from_this_one(client_for, member, chair, item, papers_root):
    other = _paper(DecisionItemFactory(raised_by=chair), chair)
    _paper(item, chair)
    response = _post(client_for(member), item, supersedes=str(other.pk))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not ItemPaper.objects.filter(supersedes=other).exists()


# Downloading ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["chair", "member", "observer", "gatekeeper"])
def test_the_group_downloads_an_items_papers(client_for, request, chair, item, persona, papers_root):
    paper = _paper(item, chair, "Discharge standard.docx", files.docx())
    response = client_for(request.getfixturevalue(persona)).get(paper.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == papers.DOCX
    assert response["Content-Disposition"] == 'attachment; filename="Discharge standard.docx"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == files.docx()


@pytest.mark.parametrize("persona", ["practice_user", "outsider"])
def test_a_draft_items_papers_are_not_found_by_those_outside_the_group(client_for, request, chair, item, persona,
                                                                      papers_root):
    paper = _paper(item, chair)
    assert client_for(request.getfixturevalue(persona)).get(paper.get_absolute_url()).status_code == 404


def test_practices_download_the_papers_of_a_published_decision(client_for, practice_user, outsider, chair, published,
                                                              papers_root):
    paper = _paper(published, chair, "Agreed standard.pdf")
    page = client_for(practice_user).get(reverse("decisions:item", args=[published.pk])).content.decode()
    assert paper.get_absolute_url() in page
    assert client_for(practice_user).get(paper.get_absolute_url()).status_code == 200
    assert client_for(outsider).get(paper.get_absolute_url()).status_code == 404


def test_anonymous_downloads_nothing(client, chair, published, papers_root):
    paper = _paper(published, chair)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_paper_is_not_found_through_another_item(client_for, chair, item, published, papers_root):
    paper = _paper(item, chair)
    url = reverse("decisions:paper", args=[published.pk, paper.pk])
    assert client_for(chair).get(url).status_code == 404


def test_download_is_get_only(client_for, chair, item, papers_root):
    paper = _paper(item, chair)
    assert client_for(chair).post(paper.get_absolute_url()).status_code == 405


# Queries -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona, item_fixture", [("member", "item"), ("practice_user", "published")])
def test_the_item_page_runs_constant_queries_as_papers_grow(client_for, request, chair, persona, item_fixture,
                                                          papers_root, count_queries):
    the_item = request.getfixturevalue(item_fixture)
    client = client_for(request.getfixturevalue(persona))
    url = reverse("decisions:item", args=[the_item.pk])

    def add(n):
        for _ in range(n):
            latest = _paper(the_item, UserFactory())
            _paper(the_item, UserFactory(), supersedes=latest)

    add(1)
    small = count_queries(client, url)
    add(10)
    large = count_queries(client, url)
    print(f"\nitem page queries ({persona}): 1 paper={small}, 11 papers={large}")
    assert small == large
