"""A person signs in and browses the directory; every page on the way passes axe-core's WCAG 2.2 A/AA rules."""

import pytest
from playwright.sync_api import expect

from members.models import GroupRole

from ..factories import GroupRoleFactory, MembershipFactory, PracticeFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def directory_data():
    practice = PracticeFactory(name="Riverside Surgery", list_size=12345)
    cd = UserFactory(email="cd@example.nhs.uk", full_name="Dr Cara Director")
    MembershipFactory(user=cd, organisation=practice.pcn, role_title="Clinical Director")
    GroupRoleFactory(user=cd, role=GroupRole.Role.MEMBER)
    SeatFactory(organisation=practice.pcn, holder=cd)
    return practice


def test_it_signs_in_and_opens_the_directory(page, sign_in, axe_violations, directory_data):
    page.goto("/about/")
    assert axe_violations() == []
    page.goto("/accounts/login/")
    assert axe_violations() == []

    sign_in("cd@example.nhs.uk")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    assert axe_violations() == []

    page.get_by_role("link", name="Directory").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Member directory")
    expect(page.get_by_role("cell", name="12,345")).to_be_visible()
    assert axe_violations() == []

    page.get_by_role("link", name="Riverside Surgery").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Surgery")
    assert axe_violations() == []

    page.goto("/group/")
    assert axe_violations() == []
    page.goto("/interests/")
    assert axe_violations() == []


def test_a_wrong_password_shows_the_error_summary(page, axe_violations, directory_data):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("cd@example.nhs.uk")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert page.get_by_label("Email").input_value() == "cd@example.nhs.uk"
    assert axe_violations() == []


def test_the_accessibility_check_does_catch_a_violation(page, axe_violations):
    # Guards the check itself: a page with an unlabelled field and no language must fail it.
    page.set_content("<html><body><main><input type='text'></main></body></html>")
    assert any(v.startswith("label") for v in axe_violations())


def test_the_pages_own_scripts_run_under_the_content_security_policy(page):
    response = page.goto("/about/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.evaluate("document.body.className") == "nhsuk-template__body js-enabled nhsuk-frontend-supported"
    # NHS.UK frontend marks each component it starts; the skip link is on every page.
    page.wait_for_selector(".nhsuk-skip-link[data-nhsuk-skip-link-init]", state="attached")


def test_the_content_security_policy_check_does_catch_a_violation(page, csp_violations):
    # Guards the check itself: the real about page, with its real header, and an inline script and a style
    # attribute slipped into the HTML on the way to the browser.
    def slip_in_inline_code(route):
        response = route.fetch()
        inline_code = "<script>document.title = 'ran';</script><p style='color: red'>x</p>"
        html = response.text().replace("</main>", inline_code + "</main>")
        route.fulfill(response=response, body=html)

    page.route("**/about/", slip_in_inline_code)
    page.goto("/about/")
    assert page.title() != "ran"
    assert any("inline script" in v and "script-src 'self'" in v for v in csp_violations)
    assert any("inline style" in v and "style-src 'self'" in v for v in csp_violations)
    csp_violations.clear()  # seen; this test is the one place they are expected


def test_the_chair_reads_the_dashboard_and_the_digest_preview(page, sign_in, axe_violations, directory_data):
    chair = UserFactory(email="chair@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
    PracticeFactory(name="Silent Surgery")  # no voting contact: unheard
    sign_in("chair@example.nhs.uk")
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is stuck, overdue or unheard")
    expect(page.get_by_role("link", name="Silent Surgery")).to_be_visible()
    assert axe_violations() == []
    page.get_by_role("link", name="See this week's digest to practices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This week's digest")
    assert axe_violations() == []


def test_the_chair_changes_a_seats_deputy(page, sign_in, axe_violations, directory_data):
    from members.models import Seat

    chair = UserFactory(email="chair@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
    sign_in("chair@example.nhs.uk")
    page.goto("/group/")
    page.get_by_role("link", name="Manage seats and roles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage seats and roles")
    assert axe_violations() == []
    seat = Seat.objects.get(organisation=directory_data.pcn)
    page.goto(f"/group/seats/{seat.pk}/")
    assert axe_violations() == []
    page.get_by_label("Deputy").select_option(label="Clare Chair (chair@example.nhs.uk)")
    page.get_by_role("button", name="Save").first.click()
    seat.refresh_from_db()
    assert seat.deputy == chair


def test_the_admin_works_under_the_content_security_policy(page, sign_in, directory_data):
    from members.models import Seat

    UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True)
    seat = Seat.objects.get(organisation=directory_data.pcn)
    sign_in("admin@example.nhs.uk")
    # Django's admin needs no inline code; simple-history's history list is our copy without its style attribute.
    for url in ["/admin/", "/admin/members/seat/", f"/admin/members/seat/{seat.pk}/change/",
                f"/admin/members/seat/{seat.pk}/history/"]:
        assert page.goto(url).status == 200
    expect(page.get_by_text("1 entry")).to_be_visible()
