"""Forums, representatives, leads, relationships."""

from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from members.access import require
from members.forms import add_service_errors

from .. import access, selectors, services
from ..forms import ForumForm, LeadForm, RelationshipForm, RepresentativeForm
from ..models import Relationship
from ._common import bound, form_status

FORUM_MEETINGS_PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def forums(request):
    """Forums with their representative, deputy and feedback record; the representation leads."""
    require(access.can_read(request.user))
    names_leads = access.can_name_leads(request.user)
    if request.method == "POST":
        require(names_leads)
    # Only those who name leads get the form (and its list of people): it is built for no one else.
    lead_form = bound(LeadForm, request) if names_leads else None
    if request.method == "POST" and lead_form.is_valid():
        try:
            services.lead_name(user=lead_form.cleaned_data["user"])
        except ValidationError as error:
            add_service_errors(lead_form, error)
        else:
            messages.success(request, f"{lead_form.cleaned_data['user']} is now a representation lead.")
            return redirect("representation:forums")
    return render(
        request,
        "representation/forums.html",
        {
            **selectors.forum_list(),
            "lead_form": lead_form,
            "can_manage": access.can_manage_register(request.user),
        },
        status=form_status(lead_form),
    )


@login_required
@require_POST
def lead_end(request, pk: int):
    lead = access.get_lead_for(request.user, pk, to="end")
    if lead.ended_on is not None:
        messages.error(request, "That person is no longer a representation lead.")
    else:
        services.lead_end(lead=lead)
        messages.success(request, f"{lead.user} is no longer a representation lead.")
    return redirect("representation:forums")


@login_required
@require_http_methods(["GET", "POST"])
def forum_new(request):
    require(access.can_read(request.user) and access.can_manage_register(request.user))
    form = bound(ForumForm, request)
    if request.method == "POST" and form.is_valid():
        try:
            forum = services.forum_create(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{forum.name} is on the list of forums. Now appoint its representatives.")
            return redirect("representation:forum", forum.pk)
    return render(request, "representation/forum_new.html", {"form": form}, status=form_status(form))


@login_required
def forum(request, pk: int):
    forum = access.get_forum_for(request.user, pk, to="read")
    content = selectors.forum_page(forum)
    # A forum meets for years: its meetings a page at a time, the latest first (NHS.UK pagination).
    paginator = Paginator(content.pop("meetings"), FORUM_MEETINGS_PER_PAGE)
    paginator.count = content.pop("meeting_count")  # counted already
    page = paginator.get_page(request.GET.get("page"))
    first_meetings = content.pop("first_meetings")
    if page.number == 1:
        page.object_list = first_meetings(FORUM_MEETINGS_PER_PAGE)
    return render(
        request,
        "representation/forum.html",
        {
            "forum": forum,
            **content,
            "meetings": page.object_list,
            "page": page,
            "today": timezone.localdate(),
            "can_manage": access.can_manage_register(request.user),
            "can_add_meeting": access.can_manage_meetings_of(request.user, forum.pk) and not forum.is_archived,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def forum_edit(request, pk: int):
    forum = access.get_forum_for(request.user, pk, to="edit")
    # A copy: validating a ModelForm writes what was typed onto its instance, and the page names the forum as stored.
    form = bound(ForumForm, request, instance=copy(forum))
    if request.method == "POST" and form.is_valid():
        try:
            forum = services.forum_update(forum=forum, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The details of {forum.name} are saved.")
            return redirect("representation:forum", forum.pk)
    return render(request, "representation/forum_edit.html", {"forum": forum, "form": form}, status=form_status(form))


@login_required
@require_POST
def forum_archive(request, pk: int):
    forum = access.get_forum_for(request.user, pk, to="archive")
    services.forum_archive(forum=forum)
    messages.success(request, f"{forum.name} is archived. Its meetings and feedback stay on record.")
    return redirect("representation:forums")


@login_required
@require_http_methods(["GET", "POST"])
def representative_new(request, pk: int):
    forum = access.get_forum_for(request.user, pk, to="appoint")
    form = bound(RepresentativeForm, request)
    if request.method == "POST" and form.is_valid():
        try:
            appointed = services.representative_appoint(forum=forum, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{appointed.user} is appointed {appointed.get_role_display().lower()}.")
            return redirect("representation:forum", forum.pk)
    return render(request, "representation/representative_new.html", {"forum": forum, "form": form},
                  status=form_status(form))


@login_required
@require_POST
def representative_stand_down(request, pk: int):
    representative = access.get_representative_for(request.user, pk, to="stand_down")
    services.representative_stand_down(representative=representative)
    messages.success(request, f"{representative.user} has stood down from {representative.forum}.")
    return redirect("representation:forum", representative.forum_id)


@login_required
@require_http_methods(["GET", "POST"])
def relationships(request):
    require(access.can_read(request.user))
    can_manage = access.can_manage_register(request.user)
    form = bound(RelationshipForm, request)
    if request.method == "POST":
        require(can_manage)
        if form.is_valid():
            services.relationship_record(**form.cleaned_data)
            messages.success(request, "The relationship is on the register.")
            return redirect("representation:relationships")
    register = Relationship.objects.filter(is_archived=False).select_related("organisation", "held_by")
    return render(
        request, "representation/relationships.html",
        {"relationships": register, "form": form if can_manage else None, "can_manage": can_manage},
        status=form_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def relationship_edit(request, pk: int):
    relationship = access.get_relationship_for(request.user, pk, to="edit")
    form = bound(RelationshipForm, request, instance=copy(relationship))
    if request.method == "POST" and form.is_valid():
        services.relationship_update(relationship=relationship, **form.cleaned_data)
        messages.success(request, "The relationship is updated.")
        return redirect("representation:relationships")
    return render(request, "representation/relationship_edit.html", {"relationship": relationship, "form": form},
                  status=form_status(form))


@login_required
@require_POST
def relationship_archive(request, pk: int):
    relationship = access.get_relationship_for(request.user, pk, to="archive")
    services.relationship_archive(relationship=relationship)
    messages.success(request, f"The relationship with {relationship.contact_name} is archived.")
    return redirect("representation:relationships")
