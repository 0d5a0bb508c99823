"""The leadership meeting agenda."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from members.access import is_chair, require

from .. import access, selectors, services
from ..forms import AgendaOtherForm


@login_required
def agenda(request):
    require(access.can_read(request.user))
    agenda = selectors.next_agenda()
    return render(
        request, "representation/agenda.html",
        {
            "agenda": agenda,
            "can_manage": access.can_manage_agenda(request.user),
            "can_reorder": access.can_reorder_agenda(request.user),
            "other_form": AgendaOtherForm() if access.can_manage_agenda(request.user) else None,
        },
    )


@login_required
@require_POST
def agenda_gather(request):
    require(access.can_manage_agenda(request.user))
    meeting = services.leadership_meeting_next()
    added = services.agenda_gather(meeting=meeting)
    messages.success(request, f"{added} new item{'s' if added != 1 else ''} gathered onto the agenda."
                     if added else "The agenda already has everything that is due.")
    return redirect("representation:agenda")


@login_required
@require_POST
def agenda_add(request):
    require(access.can_manage_agenda(request.user))
    form = AgendaOtherForm(request.POST)
    if not form.is_valid():
        agenda = selectors.next_agenda()
        return render(
            request, "representation/agenda.html",
            {"agenda": agenda, "can_manage": True, "can_reorder": is_chair(request.user), "other_form": form},
            status=400,
        )
    meeting = services.leadership_meeting_next()
    services.agenda_item_add_other(meeting=meeting, title=form.cleaned_data["title"])
    messages.success(request, "The item is added to the agenda.")
    return redirect("representation:agenda")


@login_required
@require_POST
def agenda_move(request, pk: int):
    item = access.get_leadership_agenda_item_for(request.user, pk, to="move")
    try:
        services.agenda_item_move(item=item, direction=request.POST.get("direction", ""))
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return render(
            request, "representation/agenda.html",
            {"agenda": selectors.next_agenda(), "can_manage": True, "can_reorder": True,
             "other_form": AgendaOtherForm()},
            status=400,
        )
    return redirect(reverse("representation:agenda") + f"#agenda-item-{item.pk}")


@login_required
@require_POST
def agenda_remove(request, pk: int):
    item = access.get_leadership_agenda_item_for(request.user, pk, to="remove")
    services.agenda_item_remove(item=item)
    messages.success(request, f"“{item.title}” is taken off the agenda.")
    return redirect("representation:agenda")
