from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_http_methods, require_POST

from members import email_links, prepared
from members.access import is_group
from members.forms import add_service_errors, refusal
from members.models import Membership

from . import access, emails, selectors, services
from .forms import BallotForm, CandidateForm, ConfirmPrioritiesForm, ExerciseForm, PlanItemForm
from .models import Ballot, Exercise, PlanItem, ProgressUpdate


def _amount(text: str) -> str:
    """A stored Decimal string for people: whole numbers with commas, fractions to the 5 places counted."""
    value = Decimal(text)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.5f}"


# --------------------------------------------------------------------------------------------------
# The list: what's open for my practice, results, agreed priorities
# --------------------------------------------------------------------------------------------------


@login_required
def exercise_list(request):
    user = request.user
    access.require(access.can_see_priorities(user))
    manage = access.can_manage(user)
    context = selectors.exercise_list(user=user, include_drafts=manage)
    return render(request, "priorities/list.html", {**context, "manage": manage, "show_turnout": is_group(user)})


# --------------------------------------------------------------------------------------------------
# Exercises
# --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def exercise_create(request):
    access.require(access.can_manage(request.user))
    form = ExerciseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exercise = services.exercise_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The exercise is saved as a draft. Add the candidate priorities, then open it.")
            return redirect("priorities:exercise", exercise.pk)
    return render(request, "priorities/exercise_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def exercise_edit(request, pk: int):
    exercise = access.get_exercise_for(request.user, pk, to="edit")
    refused = refusal(services.check_exercise_editable, exercise)
    if refused:
        messages.error(request, refused)
        return redirect("priorities:exercise", exercise.pk)
    form = ExerciseForm(request.POST or None, instance=exercise)
    if request.method == "POST" and form.is_valid():
        try:
            services.exercise_update(exercise=exercise, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The exercise is updated.")
            return redirect("priorities:exercise", exercise.pk)
    return render(
        request, "priorities/exercise_form.html", {"form": form, "exercise": exercise},
        status=400 if form.errors else 200,
    )




def _stage_table(result: dict) -> dict:
    """Rows of candidates by columns of stages, from the stored STV count."""
    stv = result["stv"]
    elected_at = {e["name"]: e["stage"] for e in stv["elected"]}
    rows = []
    for candidate in result["candidates"]:
        name = candidate["title"]
        cells = []
        for stage in stv["stages"]:
            total = stage["totals"].get(name)
            change = stage["transfers"].get(name)
            cells.append(
                {
                    "total": _amount(total) if total is not None else "–",
                    "change": _amount(change) if change is not None and stage["number"] > 1 else "",
                    "elected": elected_at.get(name) == stage["number"],
                    "out": total is None,
                }
            )
        rows.append({"name": name, "cells": cells, "elected_at": elected_at.get(name)})
    return {
        "rows": rows,
        "stages": stv["stages"],
        "non_transferable": [_amount(s["non_transferable"]) for s in stv["stages"]],
        "quota": _amount(stv["quota"]),
        "valid_votes": _amount(stv["valid_votes"]),
        "elected": stv["elected"],
    }


def _result_context(exercise: Exercise, user) -> dict:
    result = exercise.result
    context = {
        "result": result, "winners": result["winners"], "note": result.get("note", ""),
        "in_words": selectors.result_in_words(result),
    }
    if exercise.method == Exercise.Method.RANKED:
        context["stage_table"] = _stage_table(result)
    else:
        context["ranking"] = [{**row, "total": _amount(row["total"])} for row in result["ranking"]]
    if access.can_see_ballots(user, exercise):
        titles = {c["id"]: c["title"] for c in result["candidates"]}
        context["ballots"] = [
            {
                "practice": b.practice,
                "weight": _amount(str(b.weight)) if b.weight is not None else "",
                "lines": services.describe_choices(exercise, b.choices, titles),
            }
            for b in selectors.ballots_by_practice(exercise)
        ]
    return context


@login_required
def exercise_detail(request, pk: int):
    user = request.user
    exercise = access.get_exercise_for(user, pk)
    return _render_exercise(request, exercise)


def _render_exercise(request, exercise: Exercise, *, candidate_form=None, status=200):
    user = request.user
    now = timezone.now()
    manage = access.can_manage(user)
    context = {
        "exercise": exercise,
        **selectors.exercise_page(exercise, user=user, now=now),
        "state": exercise.window_state(now),
        "manage": manage,
        "can_archive": access.can_archive(user)
        and exercise.status in (Exercise.Status.DRAFT, Exercise.Status.PUBLISHED),
        "candidate_form": candidate_form or (CandidateForm() if manage and exercise.status == "draft" else None),
        "show_turnout": access.can_see_turnout(user, exercise),
        "show_result": access.can_see_result(user, exercise),
    }
    if context["show_turnout"]:
        context["turnout"] = selectors.exercise_turnout(exercise)
    if context["show_result"]:
        context.update(_result_context(exercise, user))
    return render(request, "priorities/exercise_detail.html", context, status=status)


@login_required
@require_POST
def candidate_add(request, pk: int):
    exercise = access.get_exercise_for(request.user, pk, to="edit")
    form = CandidateForm(request.POST)
    if form.is_valid():
        try:
            services.candidate_add(exercise=exercise, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{form.cleaned_data['title']}” is added to the candidates.")
            return redirect("priorities:exercise", exercise.pk)
    return _render_exercise(request, exercise, candidate_form=form, status=400)


@login_required
@require_POST
def candidate_remove(request, pk: int):
    candidate = access.get_candidate_for(request.user, pk, to="remove")
    try:
        services.candidate_archive(candidate=candidate)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"“{candidate.title}” is removed from the candidates.")
    return redirect("priorities:exercise", candidate.exercise_id)


@login_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request, pk: int):
    candidate = access.get_candidate_for(request.user, pk, to="edit")
    exercise = candidate.exercise
    refused = refusal(services.check_candidates_editable, exercise)
    if refused:
        messages.error(request, refused)
        return redirect("priorities:exercise", exercise.pk)
    form = CandidateForm(request.POST or None, instance=candidate)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_update(candidate=candidate, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{form.cleaned_data['title'].strip()}” is updated.")
            return redirect("priorities:exercise", exercise.pk)
    return render(
        request, "priorities/candidate_form.html", {"form": form, "candidate": candidate, "exercise": exercise},
        status=400 if form.errors else 200,
    )


def _state_change(request, pk: int, to: str, action, success: str):
    exercise = access.get_exercise_for(request.user, pk, to=to)
    try:
        action(exercise)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, success)
    return redirect("priorities:exercise", exercise.pk)


@login_required
@require_POST
def exercise_open(request, pk: int):
    return _state_change(
        request, pk, "open", lambda e: services.exercise_open(exercise=e, opened_by=request.user),
        "Voting is open. Practices see the exercise on their priorities page.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def exercise_close(request, pk: int):
    """Closing counts the ballots and cannot be undone: a page says what it means (turnout so far, and that the
    practices still to vote will not be able to), and its one button closes."""
    if request.method == "POST":
        return _state_change(
            request, pk, "close", lambda e: services.exercise_close(exercise=e),
            "Voting is closed and the ballots are counted. Check the result, then publish it.",
        )
    exercise = access.get_exercise_for(request.user, pk, to="close")
    refused = refusal(services.check_closable, exercise)
    if refused:
        messages.error(request, refused)
        return redirect("priorities:exercise", exercise.pk)
    counted = services.turnout(exercise)
    early = exercise.status == Exercise.Status.OPEN and timezone.now() < exercise.closes_at
    consequences = [
        f"Turnout so far: {counted['voted']} of {counted['eligible']} practices, {counted['percent']}%.",
        "The ballots are counted at once and the count cannot be run again.",
    ]
    if early:
        closes = formats.date_format(timezone.localtime(exercise.closes_at), "H:i, l j F Y")
        consequences.insert(1, f"Voting was due to close at {closes}. The {counted['eligible'] - counted['voted']} "
                               "practices that have not voted will not be able to.")
    return render(request, "priorities/state_confirm.html", {
        "exercise": exercise, "heading": "Close voting now?" if early else "Close voting and count?",
        "consequences": consequences, "button": "Close voting and count", "warning": True,
    })


@login_required
@require_http_methods(["GET", "POST"])
def exercise_publish(request, pk: int):
    """Publishing tells every practice the result; a page says so first (and, when a tie was broken by lot, that
    the lot decided), and its one button publishes."""
    if request.method == "POST":
        return _state_change(
            request, pk, "publish", lambda e: services.exercise_publish(exercise=e, published_by=request.user),
            "The result is published to the group and every practice.",
        )
    exercise = access.get_exercise_for(request.user, pk, to="publish")
    refused = refusal(services.check_publishable, exercise)
    if refused:
        messages.error(request, refused)
        return redirect("priorities:exercise", exercise.pk)
    result = exercise.result or {}
    consequences = ["Every practice and the whole group will see the result, and it cannot be unpublished.",
                    "Chosen, in order: " + (", ".join(result.get("winners", [])) or "none") + "."]
    by_lot = result.get("tie_broken_by_lot") or (result.get("stv") or {}).get("tie_broken_by_lot")
    if by_lot:
        seed = result.get("seed") or (result.get("stv") or {}).get("seed")
        consequences.insert(0, f"A tie was broken by lot (seed {seed}, shown in the count). Practices will see "
                               "that chance, not votes, decided between the tied priorities.")
    return render(request, "priorities/state_confirm.html", {
        "exercise": exercise, "heading": "Publish the result?", "consequences": consequences,
        "button": "Publish the result", "warning": bool(by_lot),
    })


@login_required
@require_POST
def exercise_archive(request, pk: int):
    exercise = access.get_exercise_for(request.user, pk, to="archive")
    try:
        services.exercise_archive(exercise=exercise)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("priorities:exercise", exercise.pk)
    messages.success(request, f"“{exercise.title}” is archived. It no longer appears in the lists; nothing is deleted.")
    return redirect("priorities:list")


# --------------------------------------------------------------------------------------------------
# Voting
# --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def vote(request, pk: int, practice_pk: int):
    user = request.user
    exercise = access.get_exercise_for(user, pk)
    try:
        practice = access.get_voting_practice_for(user, practice_pk)
    except PermissionDenied as error:
        return render(request, "priorities/cannot_vote.html",
                      {"exercise": exercise, "reason": str(error) or "You cannot vote for this practice."}, status=403)
    reason = refusal(services.check_voting_contact, user, practice)
    if reason:
        contacts = [
            m.user.get_full_name()
            for m in Membership.objects.voting_contacts().filter(organisation=practice).select_related("user")
        ]
        if contacts:
            reason += f" Ask {' or '.join(contacts)}."
        return render(request, "priorities/cannot_vote.html", {"exercise": exercise, "reason": reason}, status=403)
    candidates = list(exercise.candidates.filter(is_archived=False).order_by("position", "pk"))
    ballot = Ballot.objects.filter(exercise=exercise, practice=practice).first()
    form = BallotForm(
        request.POST if request.method == "POST" else None, exercise=exercise, candidates=candidates, ballot=ballot
    )
    closed_message = refusal(services.check_voting_open, exercise)
    if request.method == "POST":
        if closed_message:
            form.is_valid()
            form.add_error(None, closed_message)
        elif form.is_valid():
            try:
                ballot = services.ballot_cast(
                    exercise=exercise, practice=practice, user=user, choices=form.choices
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"{practice.name}'s ballot is recorded. Receipt code {ballot.receipt_code}. "
                    "A receipt is on its way to the practice's voting contacts.",
                )
                return redirect("priorities:exercise", exercise.pk)
    return render(
        request,
        "priorities/vote.html",
        {
            "exercise": exercise, "practice": practice, "candidates": candidates, "form": form, "ballot": ballot,
            "closed_message": closed_message,
        },
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------------------------------
# Agreed priorities and their plans
# --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def priorities_confirm(request, pk: int):
    exercise = access.get_exercise_for(request.user, pk, to="confirm")
    refused = refusal(services.check_result_published, exercise)
    if refused:
        messages.error(request, refused)
        return redirect("priorities:exercise", exercise.pk)
    candidates = list(exercise.candidates.filter(is_archived=False).order_by("position", "pk"))
    current = list(exercise.agreed_priorities.current().values_list("candidate_id", flat=True))
    form = ConfirmPrioritiesForm(
        request.POST if request.method == "POST" else None, candidates=candidates,
        initial={"candidates": current or exercise.result.get("winner_ids", [])},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.priorities_confirm(exercise=exercise, candidates=form.chosen(), confirmed_by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The agreed priorities are confirmed. Each one now has a delivery plan to fill.")
            return redirect("priorities:exercise", exercise.pk)
    return render(
        request, "priorities/confirm.html", {"exercise": exercise, "form": form},
        status=400 if form.errors else 200,
    )


def _plan_tree(items: list[PlanItem]) -> list[dict]:
    """The plan as a flat list in tree order, each entry with its depth, from one query's rows."""
    children: dict[int | None, list[PlanItem]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    ordered: list[dict] = []

    def walk(parent_id, depth):
        for item in sorted(children.get(parent_id, []), key=lambda i: (i.position, i.pk)):
            child_kind = next((k for k, p in PlanItem.PARENT_KIND.items() if p == item.kind), None)
            ordered.append({"item": item, "depth": depth, "child_kind": child_kind})
            walk(item.pk, depth + 1)

    walk(None, 0)
    return ordered


@login_required
def priority_detail(request, pk: int):
    priority = access.get_priority_for(request.user, pk)
    items = prepared.objects("plan.items", lambda pk: PlanItem.objects.current().filter(priority_id=pk), pk=priority.pk)
    updates = prepared.objects("plan.updates", lambda pk: ProgressUpdate.objects.filter(
        item__priority_id=pk).select_related("item", "recorded_by")[:100], pk=priority.pk)
    return render(
        request,
        "priorities/priority_detail.html",
        {
            "priority": priority,
            "tree": _plan_tree(items),
            "updates": updates,
            "manage": access.can_manage(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_add(request, pk: int):
    priority = access.get_priority_for(request.user, pk, to="plan")
    parent_pk = request.POST.get("parent") or request.GET.get("parent")
    parent = access.get_plan_item_for(request.user, parent_pk, to="add_under", priority=priority) if parent_pk else None
    kind = PlanItem.Kind.OBJECTIVE if parent is None else next(
        (k for k, p in PlanItem.PARENT_KIND.items() if p == parent.kind), None
    )
    if kind is None:
        raise Http404("Milestones have nothing under them")
    form = PlanItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.plan_item_add(priority=priority, parent=parent, kind=kind, added_by=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The {PlanItem.Kind(kind).label.lower()} is added to the plan.")
            return redirect("priorities:priority", priority.pk)
    return render(
        request,
        "priorities/plan_item_form.html",
        {"priority": priority, "parent": parent, "kind_label": PlanItem.Kind(kind).label, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_edit(request, pk: int):
    item = access.get_plan_item_for(request.user, pk, to="edit")
    form = PlanItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_item_update(item=item, updated_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{form.cleaned_data['title']}” is updated.")
            return redirect("priorities:priority", item.priority_id)
    return render(
        request,
        "priorities/plan_item_form.html",
        {"priority": item.priority, "parent": item.parent, "item": item, "kind_label": item.get_kind_display(),
         "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def plan_item_remove(request, pk: int):
    item = access.get_plan_item_for(request.user, pk, to="remove")
    try:
        services.plan_item_archive(item=item)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"“{item.title}” is removed from the plan. Its history is kept.")
    return redirect("priorities:priority", item.priority_id)


@login_required
@require_http_methods(["GET", "POST"])
def ballot_by_link(request, token: str):
    """"Open the ballot for <practice>" from a vote reminder or the digest: the button takes the practice's voting
    contact to its ballot (a ballot is always cast on the ballot page itself)."""
    try:
        ids = email_links.read(token, emails.BALLOT_LINK)
    except email_links.LinkError as error:
        return email_links.refused(request, error)
    exercise = Exercise.objects.visible().filter(pk=ids["exercise"]).first()
    if exercise is None:
        return email_links.refused(request, email_links.LinkError(), status=404)
    practice = access.own_practice(request.user, ids["practice"])
    reason = refusal(services.check_voting_contact, request.user, practice) if practice else "not theirs"
    if reason:
        return email_links.refused(request, email_links.NotForYou(
            "This link is for another practice's voting contact",
            f"You are signed in as {request.user.email}, who is not the voting contact of the practice this link "
            "was sent for. Sign out, then follow the link again as that practice's voting contact."), status=403)
    closed = refusal(services.check_voting_open, exercise)
    if closed:
        return email_links.refused(request, email_links.NotForYou("Voting has closed", closed), status=410,
                                   back=reverse("priorities:exercise", args=[exercise.pk]))
    if request.method == "POST":
        return redirect("priorities:vote", exercise.pk, practice.pk)
    closes = formats.date_format(timezone.localtime(exercise.closes_at), "j F Y, H:i")
    return email_links.page(
        request, heading=f"Vote for {practice.name}", caption=exercise.title,
        facts=[("Vote", exercise.title), ("Practice", practice.name), ("Voting closes", closes)],
        button=f"Open the ballot for {practice.name}",
    )
