"""The core of papers (members.papers): what a file may be, told from its content; where and how it is kept; versions
that supersede and never replace; the download response. The pages of each owner are tested in its app."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages

from decisions.models import ItemPaper
from members import papers

from .. import paper_files as files
from ..factories import DecisionItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(chair):
    return DecisionItemFactory(raised_by=chair, lead=chair, title="Discharge standard")


# What a paper may be -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(files.ALLOWED))
def test_each_allowed_type_is_told_from_its_content(name):
    build, content_type = files.ALLOWED[name]
    checked = papers.paper_check(files.upload(name, build(), "application/octet-stream"))
    assert checked.content_type == content_type
    assert checked.name == name


@pytest.mark.parametrize("content", [files.exe(), files.html(), files.plain_zip(), files.ole2(), files.ole2("Foo"),
                                     b"%PD not quite", b"just text"],
                         ids=["exe", "html", "zip", "ole2-installer", "ole2-other", "almost-pdf", "text"])
def test_anything_else_renamed_as_a_pdf_is_refused(content):
    with pytest.raises(ValidationError) as refused:
        papers.paper_check(files.upload("minutes.pdf", content, "application/pdf"))
    assert refused.value.messages == [papers.WRONG_TYPE]


@pytest.mark.parametrize("content", [files.docx(macros=True), files.ole2("WordDocument", "Macros")],
                         ids=["docm-renamed-docx", "doc-with-macros"])
def test_office_files_with_macros_are_refused(content):
    with pytest.raises(ValidationError) as refused:
        papers.paper_check(files.upload("report.docx", content))
    assert refused.value.messages == [papers.HAS_MACROS]


def test_a_zip_bomb_is_judged_by_its_names_alone():
    """A docx whose part would unpack to a gigabyte is looked at without unpacking it."""
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(1024):
                part.write(chunk)
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    assert papers.paper_check(files.upload("bomb.docx", buffer.getvalue())).content_type == papers.DOCX


def test_a_file_over_the_limit_is_refused_with_the_limit(settings):
    settings.PAPER_MAX_BYTES = 20 * 1024 * 1024
    content = files.pdf() + b"\x00" * (settings.PAPER_MAX_BYTES + 1 - len(files.pdf()))
    with pytest.raises(ValidationError) as refused:
        papers.paper_check(files.upload("big.pdf", content))
    assert refused.value.messages[0].startswith("The file must be 20 MB or smaller")
    exactly = content[:-1]
    assert papers.paper_check(files.upload("big.pdf", exactly)).size == settings.PAPER_MAX_BYTES


@pytest.mark.parametrize("limit, label", [(20 * 1024 * 1024, "20 MB"), (1536 * 1024, "1.5 MB"), (900 * 1024, "900 KB"),
                                          (10, "10 bytes")])
def test_the_limit_is_said_in_plain_words(settings, limit, label):
    settings.PAPER_MAX_BYTES = limit
    assert papers.too_large_message().startswith(f"The file must be {label} or smaller.")
    assert label in papers.hint()


def test_an_empty_file_or_none_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        papers.paper_check(files.upload("empty.pdf", b""))
    with pytest.raises(ValidationError, match="Choose a file"):
        papers.paper_check(None)


@pytest.mark.parametrize("given, kept", [
    ("report.pdf", "report.pdf"),
    ("C:\\Users\\me\\Desktop\\report.pdf", "report.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ('a "quoted"\r\nname\u202e.pdf', "a quotedname.pdf"),
    ("", "paper"),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
])
def test_the_uploaders_name_is_made_safe_to_show_and_offer_back(given, kept):
    assert papers.clean_name(given) == kept


@pytest.mark.parametrize("original, content_type, download", [
    ("report.pdf", papers.PDF, "report.pdf"),
    ("Report.PDF", papers.PDF, "Report.PDF"),
    ("report", papers.PDF, "report.pdf"),
    ("report.exe", papers.PDF, "report.pdf"),
    ("photo.jpeg", papers.JPEG, "photo.jpeg"),
    ("chart.pdf", papers.PNG, "chart.png"),
])
def test_a_paper_downloads_with_the_ending_of_what_it_is(original, content_type, download):
    assert ItemPaper(original_name=original, content_type=content_type).download_name == download


# Adding papers -------------------------------------------------------------------------------------------------

def test_a_paper_is_stored_under_a_random_key_with_its_digest(item, chair, papers_root):
    content = files.pdf("Discharge standard v1")
    paper = papers.paper_add(owner=item, file=files.upload("../../standard v1.pdf", content), title="",
                             uploaded_by=chair)
    paper.refresh_from_db()
    assert paper.item == item and paper.uploaded_by == chair
    assert paper.title == "standard v1" and paper.original_name == "standard v1.pdf"
    assert paper.content_type == papers.PDF and paper.size == len(content)
    import hashlib

    assert paper.sha256 == hashlib.sha256(content).hexdigest()
    assert "standard" not in paper.file.name and ".." not in paper.file.name
    stored = papers_root / paper.file.name
    assert stored.read_bytes() == content
    assert str(stored.resolve()).startswith(str(papers_root.resolve()))
    assert paper.history.count() == 1


def test_two_papers_of_the_same_name_never_overwrite_each_other(item, chair, papers_root):
    first = papers.paper_add(owner=item, file=files.upload("paper.pdf", files.pdf("one")), uploaded_by=chair)
    second = papers.paper_add(owner=item, file=files.upload("paper.pdf", files.pdf("two")), uploaded_by=chair)
    assert first.file.name != second.file.name
    assert (papers_root / first.file.name).read_bytes() == files.pdf("one")


def test_the_service_checks_the_file_whatever_the_caller_did(item, chair, papers_root):
    with pytest.raises(ValidationError) as refused:
        papers.paper_add(owner=item, file=files.upload("x.pdf", files.exe()), uploaded_by=chair)
    assert refused.value.message_dict == {"file": [papers.WRONG_TYPE]}
    assert not ItemPaper.objects.exists()
    assert not papers_root.exists() or not any(papers_root.rglob("*.*"))


def test_a_new_version_supersedes_the_old_which_is_kept(item, chair, member, papers_root):
    v1 = papers.paper_add(owner=item, file=files.upload("standard.pdf", files.pdf("v1")), title="The standard",
                          uploaded_by=chair)
    v2 = papers.paper_add(owner=item, file=files.upload("standard-v2.docx", files.docx()), uploaded_by=member,
                          supersedes=v1)
    assert v2.supersedes == v1 and v2.title == "The standard"  # the title is kept unless a new one is given
    assert list(ItemPaper.objects.current()) == [v2]
    assert (papers_root / v1.file.name).read_bytes() == files.pdf("v1")
    listed = papers.with_versions(ItemPaper.objects.filter(item=item))
    assert listed == [v2] and listed[0].earlier == [v1]
    v3 = papers.paper_add(owner=item, file=files.upload("standard-v3.pdf"), title="The final standard",
                          uploaded_by=chair, supersedes=v2)
    listed = papers.with_versions(ItemPaper.objects.filter(item=item))
    assert listed == [v3] and listed[0].earlier == [v2, v1]
    assert ItemPaper.history.count() == 3


def test_a_version_is_superseded_once_and_only_by_a_paper_of_the_same_owner(item, chair, papers_root):
    v1 = papers.paper_add(owner=item, file=files.upload(), uploaded_by=chair)
    papers.paper_add(owner=item, file=files.upload(), uploaded_by=chair, supersedes=v1)
    with pytest.raises(ValidationError, match="newer version"):
        papers.paper_add(owner=item, file=files.upload(), uploaded_by=chair, supersedes=v1)
    other = DecisionItemFactory(raised_by=chair)
    with pytest.raises(ValidationError, match="Choose one of the papers listed here"):
        papers.paper_add(owner=other, file=files.upload(), uploaded_by=chair, supersedes=v1)
    assert ItemPaper.objects.count() == 2


def test_a_paper_of_another_owner_is_not_found_through_this_one(item, chair, papers_root):
    other = DecisionItemFactory(raised_by=chair)
    theirs = papers.paper_add(owner=other, file=files.upload(), uploaded_by=chair)
    from django.http import Http404

    with pytest.raises(Http404):
        papers.paper_of(item, theirs.pk)
    assert papers.paper_of(other, theirs.pk) == theirs


def test_the_download_is_an_attachment_of_the_sniffed_type_never_sniffed_by_the_browser(item, chair, papers_root):
    paper = papers.paper_add(owner=item, file=files.upload("Chart for “Q3”.pdf", files.png(), "application/pdf"),
                             uploaded_by=chair)
    response = papers.paper_download(paper)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Chart%20for%20%E2%80%9CQ3%E2%80%9D.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == files.png()


def test_a_paper_whose_file_is_missing_is_not_found_rather_than_an_error(item, chair, papers_root, caplog):
    paper = papers.paper_add(owner=item, file=files.upload(), uploaded_by=chair)
    (papers_root / paper.file.name).unlink()
    from django.http import Http404

    with pytest.raises(Http404):
        papers.paper_download(paper)
    assert "missing from the papers store" in caplog.text


def test_the_papers_storage_follows_the_settings(papers_root):
    assert Path(storages["papers"].location) == papers_root
    assert ItemPaper._meta.get_field("file").storage.exists("nothing-here") is False


# Settings ------------------------------------------------------------------------------------------------------

def _settings_in_a_fresh_process(**environ) -> subprocess.CompletedProcess:
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "from django.core.files.storage import storages; s = storages['papers']; "
        "print(type(s).__module__ + '.' + type(s).__name__); print(settings.PAPER_MAX_BYTES); "
        "print(getattr(s, 'bucket_name', '')); print(getattr(s, 'endpoint_url', '')); "
        "print(getattr(s, 'default_acl', '')); print(getattr(s, 'location', ''))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PAPER"))}
    env.update(DJANGO_SETTINGS_MODULE="gpleadership.settings", DATABASE_URL="sqlite://", **environ)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_papers_are_kept_in_a_local_folder_by_default_outside_the_static_files():
    done = _settings_in_a_fresh_process(PAPERS_ROOT="/srv/papers", PAPER_MAX_BYTES="1000")
    assert done.returncode == 0, done.stderr
    backend, limit, _, _, _, location = done.stdout.splitlines()
    assert backend == "django.core.files.storage.filesystem.FileSystemStorage"
    assert limit == "1000" and location == "/srv/papers"


def test_papers_go_to_an_s3_compatible_store_when_told():
    done = _settings_in_a_fresh_process(PAPERS_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="gpl-papers",
                                        AWS_S3_ENDPOINT_URL="https://s3.example.org")
    assert done.returncode == 0, done.stderr
    backend, _, bucket, endpoint, acl, _ = done.stdout.splitlines()
    assert backend == "storages.backends.s3.S3Storage"
    assert (bucket, endpoint, acl) == ("gpl-papers", "https://s3.example.org", "private")


def test_an_s3_store_without_a_bucket_or_an_unknown_storage_stops_the_portal():
    assert "AWS_STORAGE_BUCKET_NAME must be set" in _settings_in_a_fresh_process(PAPERS_STORAGE="s3").stderr
    assert "PAPERS_STORAGE must be local or s3" in _settings_in_a_fresh_process(PAPERS_STORAGE="ftp").stderr


def test_the_upload_handler_drops_what_passes_the_limit_and_keeps_the_real_size(settings):
    settings.PAPER_MAX_BYTES = 100
    handler = papers.PaperUploadHandler()
    handler.new_file("file", "big.pdf", "application/pdf", 250)
    passed_on = [handler.receive_data_chunk(b"x" * 50, start) for start in (0, 50, 100, 150, 200)]
    assert passed_on == [b"x" * 50, b"x" * 50, None, None, None]
    stand_in = handler.file_complete(250)
    assert stand_in.too_large and stand_in.size == 250 and stand_in.read() == b""
    with pytest.raises(ValidationError, match="The file must be 100 bytes or smaller"):
        papers.paper_check(stand_in)
    handler.new_file("file", "small.pdf", "application/pdf", 50)
    assert handler.receive_data_chunk(b"x" * 50, 0) == b"x" * 50
    assert handler.file_complete(50) is None  # Django's own handlers make the file
