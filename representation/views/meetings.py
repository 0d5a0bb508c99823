"""Forum meetings, briefings, feedback."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import papers
from members.forms import PaperForm, add_service_errors
from members.paper_pages import paper_form_done

from .. import access, selectors, services
from ..forms import (
    AgendaItemForm,
    BriefingForm,
    CommentForm,
    FeedbackForm,
    MeetingEditForm,
    MeetingForm,
    MeetingPaperForm,
)
from ..models import AgendaItem, Briefing, BriefingPaper, Feedback, Meeting, MeetingPaper
from ._common import bound, form_status


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, pk: int):
    forum = access.get_forum_for(request.user, pk, to="add_meeting")
    form = bound(MeetingForm, request)
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
    return render(request, "representation/meeting_new.html", {"forum": forum, "form": form}, status=form_status(form))


def _meeting_page(request, meeting: Meeting, *, item_form=None, comment_forms=None, paper_form=None, status=200):
    page = selectors.meeting_page(meeting)
    today = timezone.localdate()
    can_write = access.can_write_for_forum(request.user, meeting.forum_id)
    can_edit = access.can_manage_meetings_of(request.user, meeting.forum_id)
    if can_edit and paper_form is None:
        current = page["papers"] + [paper for item in page["items"] for paper in item.paper_list]
        paper_form = MeetingPaperForm(current=current, meeting=meeting, items=page["items"])
    can_comment = access.can_act(request.user) and meeting.takes_comments(today)
    comment_forms = comment_forms or {}
    for item in page["items"]:
        briefing = item.the_briefing
        if briefing and (can_comment or briefing.pk in comment_forms):
            item.comment_form = comment_forms.get(briefing.pk) or CommentForm(prefix=f"c{briefing.pk}")
    return render(
        request,
        "representation/meeting.html",
        {
            "meeting": meeting,
            **page,
            "today": today,
            "is_late": meeting.is_feedback_late(today),
            "can_write": can_write,
            "can_edit": can_edit,
            "paper_form": paper_form,
            "can_comment": can_comment,
            "can_act": access.can_act(request.user),
            "can_feed_back": can_write and meeting.takes_feedback(today),
            "item_form": item_form or (AgendaItemForm() if can_write else None),
        },
        status=status,
    )


@login_required
def meeting(request, pk: int):
    return _meeting_page(request, access.get_meeting_for(request.user, pk, to="read"))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk, to="edit")
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
                  status=form_status(form))


@login_required
@require_POST
def agenda_item_archive(request, pk: int):
    item = access.get_agenda_item_for(request.user, pk, to="archive")
    try:
        services.agenda_item_archive(agenda_item=item)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _meeting_page(request, access.get_meeting_for(request.user, item.meeting_id, to="read"), status=400)
    messages.success(request, f"“{item.title}” is taken off the agenda. Its briefing and feedback stay on record.")
    return redirect("representation:meeting", item.meeting_id)


@login_required
@require_POST
def agenda_item_add(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk, to="add_item")
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        services.agenda_item_add(meeting=meeting, title=form.cleaned_data["title"])
        messages.success(request, "The agenda item is added.")
        return redirect("representation:meeting", meeting.pk)
    return _meeting_page(request, meeting, item_form=form, status=400)


def _briefing_initial(briefing: Briefing | None) -> dict:
    if briefing is None:
        return {}
    return {
        "position": briefing.position, "may_agree": briefing.may_agree,
        "must_come_back": briefing.must_come_back, "red_lines": briefing.red_lines,
        "decisions": list(briefing.decisions.values_list("pk", flat=True)),
        "priorities": list(briefing.priorities.values_list("pk", flat=True)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def briefing_edit(request, pk: int):
    item = access.get_agenda_item_for(request.user, pk, to="brief")
    briefing = Briefing.objects.filter(agenda_item=item).first()
    form = BriefingForm(request.POST if request.method == "POST" else None, initial=_briefing_initial(briefing))
    if request.method == "POST" and form.is_valid():
        services.briefing_save(agenda_item=item, written_by=request.user, **form.cleaned_data)
        messages.success(request, "The briefing is saved. The group can read it and comment.")
        return redirect(reverse("representation:meeting", args=[item.meeting_id]) + f"#item-{item.pk}")
    return _briefing_page(request, item, briefing, form=form, status=form_status(form))


def _briefing_page(request, item: AgendaItem, briefing: Briefing | None, *, form=None, paper_form=None, status=200):
    """The briefing's form and, once it is saved, its papers with the form to add one."""
    paper_list = selectors.briefing_papers(briefing) if briefing else []
    if briefing and paper_form is None:
        paper_form = PaperForm(current=paper_list)
    if form is None:
        form = BriefingForm(initial=_briefing_initial(briefing))
    return render(
        request, "representation/briefing_edit.html",
        {"item": item, "form": form, "briefing": briefing, "papers": paper_list, "paper_form": paper_form},
        status=status,
    )


@login_required
@require_POST
def comment_add(request, pk: int):
    briefing = access.get_briefing_for(request.user, pk, to="comment")
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
    meeting = access.get_meeting_for(request.user, briefing.agenda_item.meeting_id, to="read")
    return _meeting_page(request, meeting, comment_forms={briefing.pk: form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def feedback_edit(request, pk: int):
    item = access.get_agenda_item_for(request.user, pk, to="feed_back")
    feedback = Feedback.objects.filter(agenda_item=item).first()
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
        status=form_status(form),
    )


@login_required
@require_POST
def feedback_decision(request, pk: int):
    feedback = access.get_feedback_for(request.user, pk, to="raise_decision")
    try:
        decision = services.feedback_raise_decision(feedback=feedback, raised_by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("representation:meeting", feedback.agenda_item.meeting_id)
    messages.success(request, f"Draft decision item raised: {decision.title}.")
    return redirect(reverse("representation:meeting", args=[feedback.agenda_item.meeting_id])
                    + f"#item-{feedback.agenda_item_id}")


# Papers (members.papers) ----------------------------------------------------------------------------------------

@login_required
@require_POST
def meeting_paper_add(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk, to="edit")
    form = MeetingPaperForm(request.POST, request.FILES, meeting=meeting,
                            current=MeetingPaper.objects.current().filter(meeting=meeting))
    add = partial(services.meeting_paper_add, meeting=meeting, uploaded_by=request.user)
    done = reverse("representation:meeting", args=[meeting.pk]) + "#papers"
    return paper_form_done(request, form, add=add, done_url=done) or _meeting_page(
        request, meeting, paper_form=form, status=400)


@login_required
@require_GET
def meeting_paper(request, pk: int, paper_pk: int):
    meeting = access.get_meeting_for(request.user, pk, to="read")
    return papers.paper_download(papers.paper_of(meeting, paper_pk))


@login_required
@require_POST
def briefing_paper_add(request, pk: int):
    briefing = access.get_briefing_for(request.user, pk, to="edit")
    form = PaperForm(request.POST, request.FILES, current=BriefingPaper.objects.current().filter(briefing=briefing))
    add = partial(papers.paper_add, owner=briefing, uploaded_by=request.user)
    done = reverse("representation:briefing", args=[briefing.agenda_item_id]) + "#papers"
    return paper_form_done(request, form, add=add, done_url=done) or _briefing_page(
        request, briefing.agenda_item, briefing, paper_form=form, status=400)


@login_required
@require_GET
def briefing_paper(request, pk: int, paper_pk: int):
    briefing = access.get_briefing_for(request.user, pk, to="read")
    return papers.paper_download(papers.paper_of(briefing, paper_pk))
