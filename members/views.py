from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from . import access, notifications, prepared, selectors, services
from .forms import (
    AcceptInvitationForm,
    ContactDetailsForm,
    DeclarationForm,
    GroupRoleForm,
    InvitationForm,
    SeatCandidates,
    SeatForm,
    SeatPeopleForm,
    add_service_errors,
    refusal,
)
from .models import Declaration, GroupRole, Invitation, Membership, Organisation, Seat

# A directory page holds this many PCNs (with their practices: about fifty) or this many practices found by a search.
# Ten PCNs, not twenty: with each person's shared contact details a page of a hundred practices took too long to
# draw at national scale (issue 12); the search finds any practice at once.
DIRECTORY_PCNS_PER_PAGE = 10
DIRECTORY_RESULTS_PER_PAGE = 25


@login_required
def directory(request):
    """PCNs with their practices, list sizes and people, a page of PCNs at a time; then the other member
    organisations. A search finds practices by name, ODS code or postcode."""
    access.require(access.is_participant(request.user))
    query = request.GET.get("q", "").strip()[:100]
    totals = selectors.directory_totals()
    context = {"query": query, "totals": totals}
    if query:
        found = selectors.practice_search(query).prefetch_related(selectors.people_prefetch())
        page = Paginator(found, DIRECTORY_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        return render(request, "members/directory.html",
                      {**context, "results": page, "page": page, "page_query": urlencode({"q": query})})
    page, unassigned, others = selectors.directory_page(request.GET.get("page"), count=totals["listed_pcns"],
                                                       size=DIRECTORY_PCNS_PER_PAGE)
    return render(
        request,
        "members/directory.html",
        {**context, "pcns": page, "page": page, "page_query": "", "others": others, "unassigned": unassigned},
    )


@login_required
def organisation_detail(request, pk: int):
    organisation = access.get_organisation_for(request.user, pk)
    memberships = prepared.objects("organisation.memberships", lambda pk: Membership.objects.current().filter(
        organisation_id=pk).select_related("user").order_by("user__full_name"), pk=organisation.pk)
    practices = []
    if organisation.kind == Organisation.Kind.PCN:
        practices = organisation.member_practices.current().order_by("name").prefetch_related(
            selectors.people_prefetch())
    seats = prepared.objects("organisation.seats", lambda pk: Seat.objects.filter(
        organisation_id=pk, is_active=True).select_related("holder", "deputy"), pk=organisation.pk)
    return render(
        request,
        "members/organisation_detail.html",
        {"organisation": organisation, "memberships": memberships, "practices": practices, "seats": seats},
    )


@login_required
def group(request):
    access.require(access.is_participant(request.user))
    seats = prepared.objects("group.seats", lambda: Seat.objects.filter(is_active=True).select_related(
        "holder", "deputy"))
    roles = prepared.objects("group.roles", lambda: GroupRole.objects.live().select_related("user").order_by(
        "role", "user__full_name"))
    by_role = {}
    for role in roles:
        by_role.setdefault(role.role, []).append(role.user)
    return render(
        request,
        "members/group.html",
        {
            "seats": seats,
            "chairs": by_role.get(GroupRole.Role.CHAIR, []),
            "gatekeepers": by_role.get(GroupRole.Role.GATEKEEPER, []),
            "observers": by_role.get(GroupRole.Role.OBSERVER, []),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declarations(request):
    access.require(access.is_group(request.user))
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your declaration is on the register.")
            return redirect("members:declarations")
    show_ended = request.GET.get("show") == "all"

    def build(**until):
        register = Declaration.objects.filter(is_archived=False).select_related("user", "organisation")
        # Not yet ended (one declared from a later day is on the register already).
        return register.filter(Q(declared_to__isnull=True) | Q(declared_to__gte=until["today"])) if until else register

    register = (prepared.objects("declarations.all", build) if show_ended
                else prepared.objects("declarations.not_ended", build, today=timezone.localdate()))
    return render(
        request,
        "members/declarations.html",
        {"declarations": register, "form": form, "show_ended": show_ended},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def declaration_end(request, pk: int):
    declaration = access.get_declaration_for(request.user, pk, to="end")
    services.declaration_end(declaration=declaration)
    messages.success(request, "The interest is marked as ended. It stays on the register.")
    return redirect("members:declarations")


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request):
    access.require(access.can_invite(request.user))
    form = InvitationForm(request.POST or None, inviter=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _token = services.invitation_create(invited_by=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("members:invitations")
    sent = prepared.objects("invitations", lambda: Invitation.objects.select_related(
        "organisation", "invited_by")[:200])
    return render(
        request, "members/invitations.html", {"form": form, "invitations": sent},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    invitation = access.get_invitation_for(request.user, pk, to="revoke")
    try:
        services.invitation_revoke(invitation=invitation, revoked_by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"The invitation for {invitation.email} is revoked; its link no longer works.")
    return redirect("members:invitations")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """A new person creates their account here. An address that already has an account is accepted only by its
    owner, signed in: the link alone never signs anyone in to an existing account."""
    invitation = services.invitation_for_token(token)
    if invitation is None or invitation.state != "pending":
        state = invitation.state if invitation else "unknown"
        return render(request, "members/invitation_invalid.html", {"state": state}, status=410 if invitation else 404)
    account = services.invitation_account(invitation)
    if account is not None:
        return _accept_for_existing_account(request, token, invitation, account)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email,
                                initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, services.ACCOUNT_READY.format(name=user.get_short_name()))
            return redirect("home")
    return render(
        request, "members/invitation_accept.html", {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )


def _accept_for_existing_account(request, token, invitation, account):
    signed_in_as_owner = request.user.is_authenticated and request.user.pk == account.pk
    error = ""
    if request.method == "POST" and signed_in_as_owner:
        try:
            services.invitation_accept_signed_in(token=token, user=request.user)
        except ValidationError as problem:
            error = problem.messages[0]
        else:
            messages.success(request, f"You have accepted the invitation to {invitation.organisation.name}.")
            return redirect("home")
    status = 200
    if error:
        status = 400
    elif request.user.is_authenticated and not signed_in_as_owner:
        status = 403
    elif request.method == "POST":
        status = 403
    return render(
        request, "members/invitation_accept_existing.html",
        {"invitation": invitation, "signed_in_as_owner": signed_in_as_owner, "error": error},
        status=status,
    )


# The chair manages seats and roles ---------------------------------------------------------------------------




def _render_manage(request, *, seat_form=None, role_form=None):
    seats, roles = selectors.group_manage_rows()
    candidates = SeatCandidates(organisations=True)  # once for both forms' person fields, and the seat's organisation
    seat_form = seat_form or SeatForm(candidates=candidates)
    role_form = role_form or GroupRoleForm(candidates=candidates)
    return render(
        request,
        "members/group_manage.html",
        {
            "active_seats": [s for s in seats if s.is_active],
            "retired_seats": [s for s in seats if not s.is_active],
            "roles": roles,
            "seat_form": seat_form,
            "role_form": role_form,
        },
        status=400 if seat_form.errors or role_form.errors else 200,
    )


@login_required
def group_manage(request):
    access.require(access.is_chair(request.user))
    return _render_manage(request)


@login_required
@require_POST
def seat_create(request):
    access.require(access.is_chair(request.user))
    form = SeatForm(request.POST)
    if form.is_valid():
        try:
            seat = services.seat_create(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The seat {seat.title} is added.")
            return redirect("members:group_manage")
    return _render_manage(request, seat_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def seat_edit(request, pk: int):
    seat = access.get_seat_for(request.user, pk, to="edit")
    refused = refusal(services.check_seat_active, seat)
    if refused:
        messages.error(request, refused)
        return redirect("members:group_manage")
    # A vacant seat with no deputy posts nothing but the CSRF token, so test the method, not the data.
    form = SeatPeopleForm(
        request.POST if request.method == "POST" else None,
        initial={"holder": seat.holder_id, "deputy": seat.deputy_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_assign(seat=seat, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The holder and deputy of {seat.title} are saved.")
            return redirect("members:group_manage")
    return render(
        request, "members/seat_edit.html", {"seat": seat, "form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def seat_retire(request, pk: int):
    seat = access.get_seat_for(request.user, pk, to="retire")
    try:
        services.seat_retire(seat=seat)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"The seat {seat.title} is retired. Rounds already open keep the seats they asked.")
    return redirect("members:group_manage")


@login_required
@require_POST
def group_role_create(request):
    access.require(access.is_chair(request.user))
    form = GroupRoleForm(request.POST)
    if form.is_valid():
        try:
            role = services.group_role_create(granted_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{role.user} is now {role.get_role_display().lower()} of the group.")
            return redirect("members:group_manage")
    return _render_manage(request, role_form=form)


@login_required
@require_POST
def group_role_end(request, pk: int):
    group_role = access.get_group_role_for(request.user, pk, to="end")
    try:
        services.group_role_end(group_role=group_role)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{group_role.user}'s role as {group_role.get_role_display().lower()} has ended.")
    return redirect("members:group_manage")


# The person's own account ------------------------------------------------------------------------------------


@login_required
def account(request):
    """Who the person is to the portal, where they work, what they share, and their private calendar address (made
    only when they ask for it: looking at the page changes nothing)."""
    return _render_account(request, ContactDetailsForm.for_person(request.user))


def _render_account(request, contact_form):
    feed = services.calendar_feed_of(user=request.user)
    return render(request, "members/account.html", {
        "places": selectors.places_of(request.user),
        "contact_form": contact_form,
        "calendar_url": services.calendar_feed_url(feed) if feed else "",
        "news": notifications.choices_of(request.user),
    }, status=400 if contact_form.errors else 200)


@login_required
@require_POST
def contact_details(request):
    """The signed-in person's own phone number and sharing choices: there is no one else's to edit here."""
    form = ContactDetailsForm.for_person(request.user, request.POST)
    if form.is_valid():
        try:
            services.contact_details_update(user=request.user, **form.details())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your contact details are saved.")
            return redirect(reverse("me:account") + "#contact")
    return _render_account(request, form)


@login_required
@require_POST
def notification_choices(request):
    """Save how the person hears of each kind of news: an email at once, or only the weekly digest."""
    wanted = {kind: request.POST.get(kind) for kind in notifications.KINDS}
    if any(value not in ("at_once", "digest") for value in wanted.values()):
        messages.error(request, "Choose, for each kind of news, an email at once or only the weekly digest.")
        return redirect(reverse("me:account") + "#news")
    for kind, value in wanted.items():
        notifications.choose(user=request.user, kind=kind, immediate=value == "at_once")
    messages.success(request, "Your choices are saved.")
    return redirect(reverse("me:account") + "#news")


@login_required
@require_POST
def calendar_create(request):
    # A second press (or a second tab) finds the link the first one made rather than making another.
    services.calendar_feed_for(user=request.user)
    messages.success(request, "Your calendar link is ready: add it to your calendar.")
    return redirect(reverse("me:account") + "#calendar")


@login_required
@require_POST
def calendar_reset(request):
    services.calendar_feed_reset(user=request.user)
    messages.success(request, "Your calendar has a new link. The old link no longer works: add the new one to your "
                              "calendar in its place.")
    return redirect("me:account")
