"""Papers in a real browser: a representative uploads the minutes of a forum meeting, sees them listed, then sends
a file that is not what it says and is told to choose another; every page passes axe-core and the CSP."""

import pytest
from playwright.sync_api import expect

from members import papers
from representation.models import MeetingPaper

from .. import paper_files as files

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_representative_uploads_the_minutes_and_sees_them_listed(page, sign_in, axe_violations, meeting_today,
                                                                   papers_root, tmp_path):
    minutes = tmp_path / "Minutes 3 March.pdf"
    minutes.write_bytes(files.pdf("Minutes of the meeting"))
    disguised = tmp_path / "Minutes final.pdf"
    disguised.write_bytes(files.exe())

    sign_in("rep@example.nhs.uk")
    page.goto(f"/testshire/representation/meetings/{meeting_today.pk}/")
    expect(page.get_by_role("heading", name="Minutes and papers")).to_be_visible()
    assert axe_violations() == []

    page.get_by_label("File").set_input_files(str(minutes))
    page.get_by_label("Minutes", exact=True).check()
    page.get_by_role("button", name="Add the paper").click()
    expect(page.get_by_text("“Minutes 3 March” is added.")).to_be_visible()
    link = page.get_by_role("link", name="Minutes 3 March")
    expect(link).to_be_visible()
    assert axe_violations() == []
    paper = MeetingPaper.objects.get()
    assert paper.kind == "minutes" and (papers_root / paper.file.name).exists()

    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Minutes 3 March.pdf"

    page.get_by_label("File").set_input_files(str(disguised))
    page.get_by_label("Title (optional)").fill("Final minutes")
    page.get_by_label("A new version of “Minutes 3 March”").check()
    page.get_by_role("button", name="Add the paper").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_text(papers.WRONG_TYPE.split(".")[0]).first).to_be_visible()
    assert page.get_by_label("Title (optional)").input_value() == "Final minutes"
    assert axe_violations() == []
    assert MeetingPaper.objects.count() == 1
