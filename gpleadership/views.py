from datetime import timedelta
from http import HTTPStatus

from csp.constants import NONE, SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.handlers.wsgi import get_script_name
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from members import access, outbox, prepared
from members.models import ICS, GroupRole, Membership, Place, Seat, User
from members.places import nowhere, place_prefix, unscoped
from members.rows import address, option
from members.selectors import places_of
from members.services import calendar_feed_owner

from . import calendar, charts, digest, emails, ics, reminders, sections, waiting
from .context_processors import nav_of

# The home page's cards: (title, address name, description, who sees it, from the person's roles here). Drawn in
# Python like the menu: every person's first page.
HOME_CARDS = [
    ("This week's dashboard", "dashboard", "What is stuck, overdue or unheard across the group's work.",
     lambda nav: nav["can_see_dashboard"]),
    ("Member directory", "members:directory", "PCNs, practices, list sizes and who to contact.", lambda nav: True),
    ("The leadership group", "members:group", "Who sits on the group, the chair and the gatekeepers.",
     lambda nav: True),
    ("Register of interests", "members:declarations", "Declare an interest; see the group's register.",
     lambda nav: nav["is_group"]),
    ("Invite people", "members:invitations", "Invite a colleague into an organisation with a role.",
     lambda nav: nav["can_invite"]),
    ("Decision log", "decisions:log",
     "Items in discussion, consensus checks waiting for your seat, and every outcome.", lambda nav: nav["is_group"]),
    ("Published decisions", "decisions:published",
     "What the group has agreed; tell us your practice has seen each one.", lambda nav: nav["is_practice_user"]),
    ("What's open for my practice", "priorities:list",
     "Priority votes open now, whether your practice has voted, and the ballot.",
     lambda nav: nav["is_practice_user"]),
    ("Priorities", "priorities:list",
     "Priority-setting votes, turnout, results and the delivery plans for what was agreed.",
     lambda nav: nav["is_group"]),
    ("My actions", "representation:my_actions", "Actions you own or support, with what is due and overdue.",
     lambda nav: nav["is_group"]),
    ("Requests queue", "representation:requests",
     "Requests from system partners waiting for triage, and the 5-working-day target.",
     lambda nav: nav["is_gatekeeper"] or nav["is_chair"]),
]
CARD = ('<div class="nhsuk-grid-column-one-third nhsuk-card-group__item">\n'
        '  <div class="nhsuk-card nhsuk-card--clickable">\n'
        '    <div class="nhsuk-card__content">\n      <h2 class="nhsuk-card__heading nhsuk-heading-m">'
        '<a class="nhsuk-card__link" href="{}">{}</a></h2>\n      <p class="nhsuk-card__description">{}</p>\n'
        '    </div>\n  </div>\n</div>\n')


def _home_cards(user, ics_card=None):
    nav = nav_of(user)
    cards = [(address(name), title, text) for title, name, text, shown in HOME_CARDS if shown(nav)]
    if ics_card:
        cards.append(ics_card)
    return format_html_join("", CARD, cards)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form that expired gets a page in the portal's layout. The reason stays in the log."""
    return render(request, "403_csrf.html", status=HTTPStatus.FORBIDDEN)


def not_offered(request):
    """An allauth page the portal does not offer (404, as if it did not exist)."""
    raise Http404


def about(request):
    """Public: what the group is, how it decides, who is on it."""
    place = request.place
    seats = prepared.objects("about.seats", lambda: Seat.objects.filter(is_active=True).select_related(
        "holder").only("title", "holder__full_name", "holder__email"))
    # The chair in office today: a chair whose role has ended is not named to the public.
    chairs = prepared.objects("about.chairs", lambda: GroupRole.objects.live().filter(
        role=GroupRole.Role.CHAIR).select_related("user").only("role", "user__full_name", "user__email"))
    return render(request, "about.html", {"place": place, "seats": seats, "chairs": chairs})


def home(request):
    """A place's home page under its address; without one, the place chooser."""
    if request.place is None:
        return place_chooser(request)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    # Only asked of someone who works for an organisation or holds a seat here (their standing says); prepared
    # (members.prepared), as every home page asks.
    memberships = prepared.objects("home.membership_list", lambda person_id: Membership.objects.current().filter(
        user_id=person_id).select_related("organisation"), person_id=user.pk) if access.organisation_ids(user) else []
    seats = prepared.objects("home.seat_list", lambda person_id: Seat.objects.filter(is_active=True).held_by(
        person_id), person_id=user.pk) if access.seat_ids(user) else []
    context = {
        "waiting": waiting.waiting_for(user),
        "memberships": memberships,
        "roles": sorted(access.group_roles(user)),
        "seats": seats,
    }
    ics_card = None
    if access.is_ics_leader(user, request.place.ics):
        # The ICS page belongs to no one place: its address is made outside the place's.
        with nowhere(script_prefix=get_script_name(request.META).rstrip("/") + "/"):
            ics_card = (reverse("ics", args=[request.place.ics.slug]), f"{request.place.ics.name}: ICS leaders",
                        "Every place of the system side by side: priorities, published decisions, representatives, "
                        "requests and engagement.")
    context["cards"] = _home_cards(user, ics_card)
    return render(request, "home.html", context)


def place_chooser(request):
    """Which place? A person who works in one goes straight there; one who works in several (an LMC secretary
    covering three) chooses; a visitor sees every place's public page. `next` (a place's page asked for without
    its place) is kept, so the choice opens that page."""
    next_path = request.GET.get("next", "")
    if not next_path.startswith("/") or not url_has_allowed_host_and_scheme(next_path, allowed_hosts=set()):
        next_path = "/"
    mine = places_of(request.user)
    if len(mine) == 1:
        return HttpResponseRedirect(place_prefix(mine[0]) + next_path.lstrip("/"))
    with unscoped():
        everywhere = list(Place.objects.select_related("ics").order_by("ics__name", "name"))
    mine_ids = {place.pk for place in mine}
    choices = [
        {"place": place, "url": place_prefix(place) + next_path.lstrip("/"),
         "about": place_prefix(place) + "about/"}
        for place in (mine if request.user.is_authenticated else everywhere)
    ]
    return render(request, "place_chooser.html", {
        "choices": choices, "next": next_path,
        "others": [{"place": place, "about": place_prefix(place) + "about/"} for place in everywhere
                   if place.pk not in mine_ids] if request.user.is_authenticated else [],
    })


@login_required
def dashboard(request):
    """The chair's weekly look at what is stuck, overdue or unheard, with a reminder to send beside what waits on
    someone. Gatekeepers see it too, as admin support."""
    access.require(access.can_see_dashboard(request.user))
    today = timezone.localdate()
    week = digest.week_starting(today)
    # "New since last week": what entered a section since last week's Monday, so on any day of this week the
    # chair sees what arrived since the last weekly look as well as during this week.
    since = week - timedelta(days=7)
    all_sections = sections.for_dashboard(today=today, since=since, reminded=reminders.reminded_on(today))
    return render(
        request,
        "gpleadership/dashboard.html",
        # The week is the digest's (from Monday), so the dashboard and the digest talk of the same week.
        # Sections are listed most urgent first (sections.for_dashboard's order); those with nothing in them are
        # gathered at the end, folded, so the page opens on what needs doing.
        {"sections": [s for s in all_sections if s["count"]], "quiet": [s for s in all_sections if not s["count"]],
         "today": today, "week": week, "since": since,
         "total": sum(s["count"] for s in all_sections),
         "charts": charts.for_dashboard(today=today, now=timezone.now()), "window_weeks": charts.WINDOW_WEEKS},
    )


@login_required
@require_POST
def dashboard_remind(request, target: str, pk: int):
    """Send today's reminder about one dashboard item to whoever it waits on (gpleadership.reminders)."""
    access.require(access.can_see_dashboard(request.user))
    if target not in reminders.TARGETS:
        raise Http404
    try:
        sent = reminders.reminder_send(target=target, pk=pk, by=request.user, today=timezone.localdate())
    except ObjectDoesNotExist as error:
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        queued = f"{sent.queued} email{pluralize(sent.queued)}"
        if sent.queued and sent.already:
            messages.success(request, f"Reminder sent: {queued} queued. {sent.already} already went today and "
                                      "will not be sent twice.")
        elif sent.queued:
            messages.success(request, f"Reminder sent: {queued} queued.")
        else:
            messages.success(request, "A reminder already went today, so it is not sent twice. Try again tomorrow.")
    return redirect(reverse("dashboard") + f"#remind-{target}-{pk}")


def _digest_recipients() -> list[tuple]:
    """This week's recipients in the place as (pk, full name, email) rows, by name: every practice contact of the
    place (hundreds), read once for the choice of reader, the list to choose from and how many there are. From SQL
    compiled once a day (members.prepared)."""
    return prepared.objects("digest.recipients", lambda: digest.digest_recipients().order_by(
        "full_name", "email").values_list("pk", "full_name", "email"))


def _digest_reader(request, value, recipients: list[tuple]) -> User | None:
    """The person whose digest is previewed: one of this week's `recipients` (_digest_recipients) in the place (the
    chair by default, when they get it, or else the first by name)."""
    ids = [pk for pk, _, _ in recipients]
    if value in (None, ""):
        chosen = request.user.pk if request.user.pk in ids else next(iter(ids), None)
    else:
        try:
            chosen = int(value)
        except ValueError as error:
            raise Http404("Not one of the digest's recipients.") from error
        if chosen not in ids:
            raise Http404("Not one of the digest's recipients.")
    if chosen is None:
        return None
    # The signed-in person's own digest (the default) is read with what their request knows of them already.
    return request.user if chosen == request.user.pk else User.objects.get(pk=chosen)


@login_required
def digest_preview(request):
    """This week's digest as one named person will read it – its subject, text and HTML, exactly as it is sent –
    and how last week's deliveries went."""
    access.require(access.can_see_dashboard(request.user))
    week = digest.week_starting()
    recipients = _digest_recipients()
    reader = _digest_reader(request, request.GET.get("recipient"), recipients)
    message = emails.digest_message(recipient=reader, week=week, html=False) if reader else None
    return render(
        request,
        "gpleadership/digest_preview.html",
        {
            "week": week,
            "reader": reader,
            "options": _reader_options(reader, recipients),
            "message": message,
            "recipients": len(recipients),
            "last_week": digest.digest_counts(week=week - timezone.timedelta(days=7)),
        },
    )


def _reader_options(reader: User | None, recipients: list[tuple]) -> str:
    """The recipients to choose from, as the select's options, the shown reader chosen, written in one pass."""
    if reader is None:
        return ""
    chosen = reader.pk  # once: the reader may be the request's lazy user, which answers each attribute slowly
    return mark_safe("".join(option(pk, User.name_and_email_of(name, email), selected=pk == chosen)
                             for pk, name, email in recipients))  # noqa: S308 - option() escapes


# The HTML part is shown in a sandboxed frame of its own: an email's HTML carries inline styles, which the portal's
# policy (no 'unsafe-inline') rightly refuses on its pages. This one document may be framed by the portal's own
# pages, runs no script, loads nothing and submits nothing, and is sandboxed even when opened on its own.
EMAIL_FRAME_POLICY = {
    "default-src": [NONE], "style-src": ["'unsafe-inline'"], "img-src": [SELF], "base-uri": [NONE],
    "form-action": [NONE], "frame-ancestors": [SELF], "script-src": [NONE], "object-src": [NONE], "sandbox": True,
}


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace(EMAIL_FRAME_POLICY)
def digest_preview_html(request):
    """The HTML part of one person's digest, for the preview's frame."""
    access.require(access.can_see_dashboard(request.user))
    reader = _digest_reader(request, request.GET.get("recipient"), _digest_recipients())
    if reader is None:
        raise Http404("Nobody gets the digest.")
    message = emails.digest_message(recipient=reader, week=digest.week_starting())
    return HttpResponse(outbox.html_part(message), content_type="text/html; charset=utf-8")


@login_required
@require_POST
def digest_test_send(request):
    """Send one person's digest, as it will be sent, to the signed-in chair (and nobody else), marked as a test."""
    access.require(access.can_see_dashboard(request.user))
    reader = _digest_reader(request, request.POST.get("recipient"), _digest_recipients())
    if reader is None:
        raise Http404("Nobody gets the digest.")
    week = digest.week_starting()
    outbox.enqueue(key=emails.digest_test_key(), kind=emails.DIGEST_TEST, recipient=request.user,
                   params={"week": week.isoformat(), "recipient": reader.pk, "to": request.user.pk})
    messages.success(request, f"A test of {reader.get_full_name()}'s digest is on its way to you at "
                              f"{request.user.email}.")
    return redirect(reverse("digest_preview") + f"?recipient={reader.pk}")


@login_required
def ics_leaders(request, slug: str):
    """The ICS leaders' page: each place of the system side by side. The chairs of its places and the leaders
    the administrators named read it; it reads across the system's places on purpose (members.places)."""
    # The system with its places in one query; a system with no places yet is read on its own.
    system_places = list(Place.objects.filter(ics__slug=slug).select_related("ics").order_by("name"))
    system = system_places[0].ics if system_places else get_object_or_404(ICS, slug=slug)
    access.require(access.is_ics_leader(request.user, system))
    return render(request, "gpleadership/ics.html", {"ics": system, **ics.ics_page(system, system_places)})


@require_GET
def calendar_feed(request, token: str):
    """A person's calendar (gpleadership.calendar), for Outlook or any calendar to subscribe to. The address is the
    key: no sign-in (calendars cannot sign in), and an altered or reset address is simply not found."""
    user = calendar_feed_owner(token)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(calendar.feed_for(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="gp-leadership.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
