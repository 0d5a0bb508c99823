"""Actions."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from members import prepared
from members.access import require
from members.forms import add_service_errors

from .. import access, selectors, services
from ..forms import ActionForm, ActionUpdateForm
from ._common import form_status

# Actions on one page of the log: a national host has tens of thousands.
ACTIONS_PAGE_SIZE = 25


def _action_list(request, *, mine: bool):
    require(access.can_read(request.user))
    show_closed = request.GET.get("show") == "all"
    meeting = _meeting_filter(request)
    today = timezone.localdate()
    found = selectors.action_list(person=request.user if mine else None, show_closed=show_closed, today=today,
                                  meeting_id=meeting.pk if meeting else None)
    # Counted with the overdue ones; the first page from prepared SQL, any other from the query, built only then.
    page = prepared.paged(count=found["count"], number=request.GET.get("page"), size=ACTIONS_PAGE_SIZE,
                          first=lambda: found["first"](ACTIONS_PAGE_SIZE), rest=found["actions"])
    query = {key: value for key, value in (("meeting", meeting.pk if meeting else None),
                                           ("show", "all" if show_closed else None)) if value}
    return render(
        request,
        "representation/actions.html",
        {
            "actions": page,
            "page": page,
            "query": urlencode(query),
            "meeting": meeting,
            "filter_query": urlencode({"meeting": meeting.pk}) if meeting else "",
            "overdue_count": found["overdue_count"],
            "mine": mine,
            "show_closed": show_closed,
            "today": today,
            "can_add": access.can_act(request.user),
        },
    )


def _meeting_filter(request):
    """The forum meeting the log is filtered by (`?meeting=`), if it is one the person may read; else no filter."""
    pk = request.GET.get("meeting", "")
    if not pk.isdigit():
        return None
    try:
        return access.get_meeting_for(request.user, int(pk))
    except (Http404, PermissionDenied):
        return None


@login_required
def actions(request):
    return _action_list(request, mine=False)


@login_required
def my_actions(request):
    return _action_list(request, mine=True)


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request):
    require(access.can_act(request.user))
    initial = {"owner": request.user.pk}
    if request.GET.get("meeting", "").isdigit():
        initial["meeting"] = int(request.GET["meeting"])
    form = ActionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Action added for {action.owner}, due {action.due_on:%-d %B %Y}.")
            return redirect("representation:actions")
    return render(request, "representation/action_new.html", {"form": form}, status=form_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def action(request, pk: int):
    action = access.get_action_for(request.user, pk, to="update" if request.method == "POST" else "read")
    can_update = access.can_act(request.user) and access.can_update_action(request.user, action)
    form = ActionUpdateForm(
        request.POST if request.method == "POST" else None,
        initial={"status": action.status, "completion_note": action.completion_note, "due_on": action.due_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The action is updated.")
            return redirect("representation:action", action.pk)
    return render(
        request, "representation/action.html",
        {"action": action, "form": form if can_update else None, "today": timezone.localdate()},
        status=form_status(form),
    )
