from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from members import access
from members.models import GroupRole, Membership, Place, Seat


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
