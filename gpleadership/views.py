from http import HTTPStatus

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from members import access
from members.models import GroupRole, Membership, Place, Seat

from . import digest, sections


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form that expired gets a page in the portal's layout. The reason stays in the log."""
    return render(request, "403_csrf.html", status=HTTPStatus.FORBIDDEN)


def about(request):
    """Public: what the group is, how it decides, who is on it."""
    place = Place.objects.order_by("pk").first()
    seats = Seat.objects.filter(is_active=True).select_related("organisation", "holder")
    chairs = GroupRole.objects.filter(role=GroupRole.Role.CHAIR, is_archived=False).select_related("user")
    return render(request, "about.html", {"place": place, "seats": seats, "chairs": chairs})


@login_required
def home(request):
    user = request.user
    memberships = Membership.objects.current().filter(user=user).select_related("organisation")
    context = {
        "memberships": memberships,
        "roles": sorted(access.group_roles(user)),
        "seats": Seat.objects.filter(is_active=True).filter(holder=user)
        | Seat.objects.filter(is_active=True, deputy=user),
    }
    return render(request, "home.html", context)


@login_required
def dashboard(request):
    """The chair's weekly look at what is stuck, overdue or unheard. Gatekeepers see it too, as admin support."""
    access.require(access.is_chair(request.user) or access.is_gatekeeper(request.user))
    today = timezone.localdate()
    all_sections = sections.for_dashboard(today=today)
    return render(
        request,
        "gpleadership/dashboard.html",
        {"sections": all_sections, "today": today, "total": sum(len(s["items"]) for s in all_sections)},
    )


@login_required
def digest_preview(request):
    """This week's digest as a practice and as the group will read it, and how last week's deliveries went."""
    access.require(access.is_chair(request.user) or access.is_gatekeeper(request.user))
    week = digest.week_starting()
    since = timezone.now() - timezone.timedelta(days=7)
    last_week = digest.digest_counts(week=week - timezone.timedelta(days=7))
    return render(
        request,
        "gpleadership/digest_preview.html",
        {
            "week": week,
            "practice_sections": [s for s in sections.for_digest(user=request.user, since=since, is_group=False)
                                  if s["items"]],
            "group_sections": [s for s in sections.for_digest(user=request.user, since=since, is_group=True)
                               if s["items"]],
            "recipients": digest.digest_recipients().count(),
            "last_week": last_week,
        },
    )
