from copy import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from members.access import is_acting_member, is_chair, require
from members.forms import add_service_errors, refusal

from . import access, selectors, services
from .forms import (
    ActionForm,
    ActionUpdateForm,
    AgendaItemForm,
    AgendaOtherForm,
    BriefingForm,
    CommentForm,
    FeedbackForm,
    ForumForm,
    LeadForm,
    MeetingEditForm,
    MeetingForm,
    RelationshipForm,
    RepresentativeForm,
    RequestForm,
    ReviewForm,
    TriageForm,
    started_token,
)
from .models import (
    TRIAGE_TARGET_WORKING_DAYS,
    Action,
    AgendaItem,
    Briefing,
    BriefingComment,
    Forum,
    Meeting,
    Relationship,
    RepresentationLead,
    Representative,
    Request,
    Review,
)


def _bound(form_class, request, **kwargs):
    return form_class(request.POST if request.method == "POST" else None, **kwargs)




def _status(*forms) -> int:
    return 400 if any(f is not None and f.is_bound and f.errors for f in forms) else 200


# Forums, representatives, leads, relationships ------------------------------------------------------------------


def _current_representatives():
    return Prefetch(
        "representatives",
        queryset=Representative.objects.current().select_related("user").order_by("role"),
        to_attr="current_representatives",
    )


@login_required
@require_http_methods(["GET", "POST"])
def forums(request):
    """Forums with their representative, deputy and feedback record; the representation leads."""
    require(access.can_read(request.user))
    lead_form = _bound(LeadForm, request)
    if request.method == "POST":
        require(access.can_name_leads(request.user))
        if lead_form.is_valid():
            try:
                services.lead_name(user=lead_form.cleaned_data["user"])
            except ValidationError as error:
                add_service_errors(lead_form, error)
            else:
                messages.success(request, f"{lead_form.cleaned_data['user']} is now a representation lead.")
                return redirect("representation:forums")
    today = timezone.localdate()
    forum_list = (
        Forum.objects.current()
        .select_related("host")
        .annotate(
            late_meetings=Count("meetings", filter=Q(meetings__in=Meeting.objects.feedback_late(today))),
            next_meeting_on=Min("meetings__held_on", filter=Q(meetings__is_archived=False,
                                                              meetings__held_on__gte=today)),
        )
        .prefetch_related(_current_representatives())
        .order_by("name")
    )
    leads = RepresentationLead.objects.current().select_related("user")
    return render(
        request,
        "representation/forums.html",
        {
            "forums": forum_list,
            "leads": leads,
            "lead_form": lead_form if access.can_name_leads(request.user) else None,
            "can_manage": access.can_manage_register(request.user),
        },
        status=_status(lead_form),
    )


@login_required
@require_POST
def lead_end(request, pk: int):
    require(access.can_name_leads(request.user))
    lead = RepresentationLead.objects.current().filter(pk=pk).first()
    if lead is None:
        messages.error(request, "That person is no longer a representation lead.")
    else:
        services.lead_end(lead=lead)
        messages.success(request, f"{lead.user} is no longer a representation lead.")
    return redirect("representation:forums")


@login_required
@require_http_methods(["GET", "POST"])
def forum_new(request):
    require(access.can_read(request.user) and access.can_manage_register(request.user))
    form = _bound(ForumForm, request)
    if request.method == "POST" and form.is_valid():
        try:
            forum = services.forum_create(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{forum.name} is on the list of forums. Now appoint its representatives.")
            return redirect("representation:forum", forum.pk)
    return render(request, "representation/forum_new.html", {"form": form}, status=_status(form))


@login_required
def forum(request, pk: int):
    forum = access.get_forum_for(request.user, pk)
    representatives = forum.representatives.filter(is_archived=False).select_related("user").order_by(
        "stood_down_on", "role", "-term_starts_on"
    )
    meetings = (
        forum.meetings.current()
        .annotate(item_count=Count("agenda_items", filter=Q(agenda_items__is_archived=False)))
        .order_by("-held_on")
    )
    return render(
        request,
        "representation/forum.html",
        {
            "forum": forum,
            "representatives": representatives,
            "meetings": meetings,
            "today": timezone.localdate(),
            "can_manage": access.can_manage_register(request.user),
            "can_add_meeting": access.can_manage_meetings_of(request.user, forum.pk) and not forum.is_archived,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def forum_edit(request, pk: int):
    forum = access.get_forum_for(request.user, pk, write=True)
    # A copy: validating a ModelForm writes what was typed onto its instance, and the page names the forum as stored.
    form = _bound(ForumForm, request, instance=copy(forum))
    if request.method == "POST" and form.is_valid():
        try:
            forum = services.forum_update(forum=forum, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The details of {forum.name} are saved.")
            return redirect("representation:forum", forum.pk)
    return render(request, "representation/forum_edit.html", {"forum": forum, "form": form}, status=_status(form))


@login_required
@require_POST
def forum_archive(request, pk: int):
    forum = access.get_forum_for(request.user, pk, write=True)
    services.forum_archive(forum=forum)
    messages.success(request, f"{forum.name} is archived. Its meetings and feedback stay on record.")
    return redirect("representation:forums")


@login_required
@require_http_methods(["GET", "POST"])
def representative_new(request, pk: int):
    forum = access.get_forum_for(request.user, pk, write=True)
    form = _bound(RepresentativeForm, request)
    if request.method == "POST" and form.is_valid():
        try:
            appointed = services.representative_appoint(forum=forum, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{appointed.user} is appointed {appointed.get_role_display().lower()}.")
            return redirect("representation:forum", forum.pk)
    return render(request, "representation/representative_new.html", {"forum": forum, "form": form},
                  status=_status(form))


@login_required
@require_POST
def representative_stand_down(request, pk: int):
    require(access.can_read(request.user) and access.can_manage_register(request.user))
    representative = Representative.objects.filter(pk=pk, is_archived=False).select_related("forum", "user").first()
    if representative is None:
        return redirect("representation:forums")
    services.representative_stand_down(representative=representative)
    messages.success(request, f"{representative.user} has stood down from {representative.forum}.")
    return redirect("representation:forum", representative.forum_id)


@login_required
@require_http_methods(["GET", "POST"])
def relationships(request):
    require(access.can_read(request.user))
    can_manage = access.can_manage_register(request.user)
    form = _bound(RelationshipForm, request)
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
        status=_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def relationship_edit(request, pk: int):
    relationship = access.get_relationship_for(request.user, pk, write=True)
    form = _bound(RelationshipForm, request, instance=copy(relationship))
    if request.method == "POST" and form.is_valid():
        services.relationship_update(relationship=relationship, **form.cleaned_data)
        messages.success(request, "The relationship is updated.")
        return redirect("representation:relationships")
    return render(request, "representation/relationship_edit.html", {"relationship": relationship, "form": form},
                  status=_status(form))


@login_required
@require_POST
def relationship_archive(request, pk: int):
    relationship = access.get_relationship_for(request.user, pk, write=True)
    services.relationship_archive(relationship=relationship)
    messages.success(request, f"The relationship with {relationship.contact_name} is archived.")
    return redirect("representation:relationships")


# Forum meetings, briefings, feedback --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, pk: int):
    forum = access.get_forum_meetings_for(request.user, pk)
    form = _bound(MeetingForm, request)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(
                forum=forum, held_on=form.cleaned_data["held_on"], agenda=form.cleaned_data["agenda"],
                created_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The meeting is added. Write a briefing for each agenda item.")
            return redirect("representation:meeting", meeting.pk)
    return render(request, "representation/meeting_new.html", {"forum": forum, "form": form}, status=_status(form))


def _meeting_page(request, meeting: Meeting, *, item_form=None, comment_forms=None, status=200):
    items = (
        AgendaItem.objects.filter(meeting=meeting, is_archived=False)
        .select_related("briefing__written_by", "feedback__written_by", "feedback__sign_off_decision")
        .prefetch_related(
            Prefetch(
                "briefing__comments",
                queryset=BriefingComment.objects.filter(is_archived=False).select_related("author"),
                to_attr="visible_comments",
            ),
            "briefing__decisions",
            "briefing__priorities",
        )
        .order_by("position")
    )
    today = timezone.localdate()
    can_write = access.can_write_for_forum(request.user, meeting.forum_id)
    can_comment = access.can_act(request.user) and meeting.takes_comments(today)
    items = list(items)
    comment_forms = comment_forms or {}
    for item in items:
        briefing = getattr(item, "briefing", None) if _has_briefing(item) else None
        item.the_briefing = briefing
        item.the_feedback = getattr(item, "feedback", None) if _has_feedback(item) else None
        if briefing and (can_comment or briefing.pk in comment_forms):
            item.comment_form = comment_forms.get(briefing.pk) or CommentForm(prefix=f"c{briefing.pk}")
    return render(
        request,
        "representation/meeting.html",
        {
            "meeting": meeting,
            "items": items,
            "today": today,
            "is_late": meeting.is_feedback_late(today),
            "can_write": can_write,
            "can_edit": access.can_manage_meetings_of(request.user, meeting.forum_id),
            "can_comment": can_comment,
            "can_act": access.can_act(request.user),
            "can_feed_back": can_write and meeting.takes_feedback(today),
            "item_form": item_form or (AgendaItemForm() if can_write else None),
            "actions": meeting.actions.filter(is_archived=False).select_related("owner"),
        },
        status=status,
    )


def _has_briefing(item) -> bool:
    try:
        item.briefing  # noqa: B018 - select_related fetched it; a missing one raises
    except Briefing.DoesNotExist:
        return False
    return True


def _has_feedback(item) -> bool:
    try:
        item.feedback  # noqa: B018
    except AgendaItem.feedback.RelatedObjectDoesNotExist:
        return False
    return True


@login_required
def meeting(request, pk: int):
    return _meeting_page(request, access.get_meeting_for(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk, edit=True)
    items = AgendaItem.objects.filter(meeting=meeting, is_archived=False).order_by("position")
    form = MeetingEditForm(request.POST if request.method == "POST" else None, items=items,
                           initial={"held_on": meeting.held_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(meeting=meeting, held_on=form.cleaned_data["held_on"], titles=form.titles)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The meeting is updated.")
            return redirect("representation:meeting", meeting.pk)
    return render(request, "representation/meeting_edit.html", {"meeting": meeting, "form": form},
                  status=_status(form))


@login_required
@require_POST
def agenda_item_archive(request, pk: int):
    item = access.get_agenda_item_for(request.user, pk, edit=True)
    try:
        services.agenda_item_archive(agenda_item=item)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _meeting_page(request, access.get_meeting_for(request.user, item.meeting_id), status=400)
    messages.success(request, f"“{item.title}” is taken off the agenda. Its briefing and feedback stay on record.")
    return redirect("representation:meeting", item.meeting_id)


@login_required
@require_POST
def agenda_item_add(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk, write=True)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        services.agenda_item_add(meeting=meeting, title=form.cleaned_data["title"])
        messages.success(request, "The agenda item is added.")
        return redirect("representation:meeting", meeting.pk)
    return _meeting_page(request, meeting, item_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def briefing_edit(request, pk: int):
    item = access.get_agenda_item_for(request.user, pk, write=True)
    briefing = Briefing.objects.filter(agenda_item=item).first()
    initial = {}
    if briefing:
        initial = {
            "position": briefing.position, "may_agree": briefing.may_agree,
            "must_come_back": briefing.must_come_back, "red_lines": briefing.red_lines,
            "decisions": list(briefing.decisions.values_list("pk", flat=True)),
            "priorities": list(briefing.priorities.values_list("pk", flat=True)),
        }
    form = BriefingForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.briefing_save(agenda_item=item, written_by=request.user, **form.cleaned_data)
        messages.success(request, "The briefing is saved. The group can read it and comment.")
        return redirect(reverse("representation:meeting", args=[item.meeting_id]) + f"#item-{item.pk}")
    return render(request, "representation/briefing_edit.html", {"item": item, "form": form, "briefing": briefing},
                  status=_status(form))


@login_required
@require_POST
def comment_add(request, pk: int):
    briefing = access.get_briefing_for(request.user, pk, comment=True)
    form = CommentForm(request.POST, prefix=f"c{briefing.pk}")
    if form.is_valid():
        try:
            services.briefing_comment_add(briefing=briefing, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your comment is added to the briefing.")
            return redirect(reverse("representation:meeting", args=[briefing.agenda_item.meeting_id])
                            + f"#item-{briefing.agenda_item_id}")
    meeting = access.get_meeting_for(request.user, briefing.agenda_item.meeting_id)
    return _meeting_page(request, meeting, comment_forms={briefing.pk: form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def feedback_edit(request, pk: int):
    item = access.get_agenda_item_for(request.user, pk, write=True)
    feedback = item.feedback if _has_feedback(item) else None
    initial = {}
    if feedback:
        initial = {"discussed": feedback.discussed, "agreed": feedback.agreed,
                   "needs_sign_off": feedback.needs_sign_off, "escalations": feedback.escalations}
    form = FeedbackForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_save(agenda_item=item, written_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The feedback is saved and shared with the group.")
            return redirect(reverse("representation:meeting", args=[item.meeting_id]) + f"#item-{item.pk}")
    briefing = Briefing.objects.filter(agenda_item=item).first()
    return render(
        request, "representation/feedback_edit.html",
        {"item": item, "form": form, "briefing": briefing, "too_early": not item.meeting.takes_feedback()},
        status=_status(form),
    )


@login_required
@require_POST
def feedback_decision(request, pk: int):
    feedback = access.get_feedback_for(request.user, pk, write=True)
    try:
        decision = services.feedback_raise_decision(feedback=feedback, raised_by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("representation:meeting", feedback.agenda_item.meeting_id)
    messages.success(request, f"Draft decision item raised: {decision.title}.")
    return redirect(reverse("representation:meeting", args=[feedback.agenda_item.meeting_id])
                    + f"#item-{feedback.agenda_item_id}")


# Actions ---------------------------------------------------------------------------------------------------------


def _action_list(request, *, mine: bool):
    require(access.can_read(request.user))
    show_closed = request.GET.get("show") == "all"
    actions = Action.objects.filter(is_archived=False).select_related(
        "owner", "support", "meeting__forum", "decision", "priority"
    )
    if mine:
        actions = actions.for_person(request.user)
    if not show_closed:
        actions = actions.filter(status__in=Action.OPEN_STATUSES)
    actions = list(actions.order_by("due_on", "pk"))
    today = timezone.localdate()
    return render(
        request,
        "representation/actions.html",
        {
            "actions": actions,
            "mine": mine,
            "show_closed": show_closed,
            "today": today,
            "overdue_count": sum(1 for a in actions if a.is_overdue(today)),
            "can_add": access.can_act(request.user),
        },
    )


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
    return render(request, "representation/action_new.html", {"form": form}, status=_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def action(request, pk: int):
    action = access.get_action_for(request.user, pk, write=request.method == "POST")
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
        status=_status(form),
    )


# Reviews ---------------------------------------------------------------------------------------------------------


@login_required
def reviews(request):
    """Representatives due a review, and the reviews the user may see."""
    user = request.user
    is_reader = is_acting_member(user)
    own = Representative.objects.filter(user=user, is_archived=False)
    require(is_reader or own.exists())
    visible = Review.objects.filter(is_archived=False).select_related(
        "representative__user", "representative__forum", "recorded_by"
    )
    if not is_reader:
        visible = visible.filter(representative__user=user)
    return render(
        request, "representation/reviews.html",
        {
            "reviews": visible,
            "due": selectors.representatives_due_review() if is_reader else [],
            "can_record": access.can_record_reviews(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def representative(request, pk: int):
    representative = access.get_representative_for(request.user, pk, write=request.method == "POST")
    can_record = access.can_record_reviews(request.user)
    form = ReviewForm(request.POST if request.method == "POST" else None,
                      initial={"reviewed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.review_record(representative=representative, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The review is recorded. The representative and the group can read it.")
            return redirect("representation:representative", representative.pk)
    return render(
        request, "representation/representative.html",
        {
            "representative": representative,
            "reviews": representative.reviews.filter(is_archived=False).select_related("recorded_by"),
            "form": form if can_record else None,
        },
        status=_status(form),
    )


# The single point of access --------------------------------------------------------------------------------------


def _client_ip(request) -> str:
    # The address that connected. X-Forwarded-For is not trusted: anyone can forge it to dodge the limit. Behind a
    # reverse proxy, have the proxy or the WSGI server set REMOTE_ADDR to the client's address.
    return request.META.get("REMOTE_ADDR", "unknown")


def _over_the_limit(request) -> bool:
    """Count this submission against the sender's address; True once over the limit. Atomic in Redis:
    `add` starts the window only if no count exists, `incr` increments in the server."""
    key = f"representation:request-form:{_client_ip(request)}"
    cache.add(key, 0, timeout=settings.REQUEST_FORM_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, timeout=settings.REQUEST_FORM_WINDOW_SECONDS)
        count = 1
    return count > settings.REQUEST_FORM_LIMIT


def _kept(request) -> dict:
    return {name: request.POST.get(name, "") for name in RequestForm._meta.fields}


@require_http_methods(["GET", "POST"])
def request_new(request):
    """Public: a system partner asks general practice for something. No account needed."""
    if request.method == "GET":
        form = RequestForm(initial={"started": started_token()})
        return render(request, "representation/request_new.html", {"form": form})
    if _over_the_limit(request):
        form = RequestForm(initial={**_kept(request), "started": started_token()})
        minutes = max(1, settings.REQUEST_FORM_WINDOW_SECONDS // 60)
        return render(
            request, "representation/request_new.html",
            {"form": form, "refused": True, "limit": settings.REQUEST_FORM_LIMIT, "minutes": minutes},
            status=429,
        )
    form = RequestForm(request.POST)
    if form.is_bot:
        # Say nothing useful to a bot; a person never sees the hidden field.
        return redirect("representation:request_sent")
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("website", "started")}
        try:
            services.request_submit(**data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("representation:request_sent")
    # A fresh token, so that sending the corrected form is not refused as too quick or too old.
    form.data = form.data.copy()
    form.data["started"] = started_token()
    return render(request, "representation/request_new.html", {"form": form}, status=400)


def request_sent(request):
    return render(request, "representation/request_sent.html", {"target": TRIAGE_TARGET_WORKING_DAYS})


@login_required
def requests(request):
    """The gatekeepers' queue: requests awaiting triage, oldest target first, then the recently triaged."""
    require(access.can_triage(request.user))
    today = timezone.localdate()
    waiting = list(Request.objects.awaiting_triage().order_by("triage_due_on", "received_at"))
    show_all = request.GET.get("show") == "all"
    triaged = Request.objects.filter(is_archived=False).exclude(outcome="").select_related(
        "redirected_to", "triaged_by"
    ).order_by("-triaged_at")
    triaged = list(triaged if show_all else triaged[:50])
    met = sum(1 for r in triaged if not r.is_past_target())
    return render(
        request, "representation/requests.html",
        {
            "waiting": waiting, "triaged": triaged, "today": today, "target": TRIAGE_TARGET_WORKING_DAYS,
            "breaches": sum(1 for r in waiting if r.is_past_target(today)), "met": met, "show_all": show_all,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    req = access.get_request_for(request.user, pk, write=request.method == "POST")
    form = _bound(TriageForm, request)
    if request.method == "POST":
        refused = refusal(services.check_awaiting_triage, req)
        if refused:
            messages.error(request, refused)
            return redirect("representation:request", req.pk)
        if form.is_valid():
            try:
                services.request_triage(request=req, triaged_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Triaged. {req.requester_name} will get the outcome by email.")
                return redirect("representation:requests")
    return render(
        request, "representation/request.html",
        {"req": req, "form": form, "today": timezone.localdate(), "target": TRIAGE_TARGET_WORKING_DAYS},
        status=_status(form),
    )


# The leadership meeting agenda -----------------------------------------------------------------------------------


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
    item = access.get_leadership_agenda_item_for(request.user, pk, reorder=True)
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
    item = access.get_leadership_agenda_item_for(request.user, pk)
    services.agenda_item_remove(item=item)
    messages.success(request, f"“{item.title}” is taken off the agenda.")
    return redirect("representation:agenda")
