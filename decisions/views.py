import csv
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access as roles
from members import email_links, papers, places
from members.forms import PaperForm, add_service_errors, refusal
from members.models import Seat
from members.paper_pages import paper_form_done

from . import access, emails, selectors, services
from .forms import (
    CommentForm,
    ConfirmForm,
    InterestForm,
    ItemForm,
    LogFilterForm,
    OnBehalfForm,
    PositionForm,
    PrincipleForm,
    ReasonForm,
    RedirectForm,
    RoundOpenForm,
)
from .models import Acknowledgement, DecisionItem, ItemPaper, Position, Principle, Round

LOG_PAGE_SIZE = 25




def _item_url(item, anchor: str = "") -> str:
    return reverse("decisions:item", args=[item.pk]) + (f"#{anchor}" if anchor else "")


# The decision log ------------------------------------------------------------------------------------------


def _log_queryset(request):
    """The log's filter form, and a function that builds the query of the items it lists."""
    user = request.user
    is_group = roles.is_group(user)
    statuses = None if is_group else [DecisionItem.Status.AGREED]
    form = LogFilterForm(request.GET or None, statuses=statuses)

    def items():
        listed = DecisionItem.objects.visible_to(user)
        if form.is_bound and form.is_valid():
            listed = selectors.filter_log(listed, **form.cleaned_data)
        return selectors.with_log_columns(listed).order_by("-log_date", "-pk")

    return form, items


@login_required
@require_GET
def log(request):
    """The decision log: every item the user may see, searchable and filterable, newest first."""
    roles.require(roles.is_participant(request.user))
    form, items = _log_queryset(request)
    # Only what the log's rows show (decisions.templatetags.decision_log): not the long texts of every item.
    shown = ("place", "title", "status", "decided_on", "published_at", "created_at")
    if any(value for key, value in request.GET.items() if key != "page"):  # searched or filtered
        page = Paginator(items().only(*shown), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
        awaiting_me = selectors.items_awaiting_my_seat(request.user, [item.pk for item in page])
        practice_count = selectors.practice_count()
    else:  # the whole log, as most people open it: its first page from one prepared query
        page, awaiting_me, practice_count = selectors.log_page(request.user, number=request.GET.get("page"),
                                                               size=LOG_PAGE_SIZE, only=shown)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "decisions/log.html",
        {
            "form": form,
            "page": page,
            "awaiting_me": awaiting_me,
            "practice_count": practice_count,
            "query": query.urlencode(),
            "can_raise": access.can_raise(request.user),
            "is_group": roles.is_group(request.user),
        },
        status=400 if form.errors else 200,
    )


def _csv_cell(value) -> str:
    # Spreadsheet programs run cells that start with these characters as formulas.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    """csv.writer writes a row to this and gets the row back, to stream it."""

    def write(self, value):
        return value


CSV_CHUNK = 500


@login_required
@require_GET
def log_csv(request):
    roles.require(roles.is_participant(request.user))
    form, items = _log_queryset(request)
    items = items()
    if form.errors:
        return HttpResponse("The filters are not valid.", status=400, content_type="text/plain")
    total = selectors.practice_count()
    header = ["Reference", "Title", "Status", "Rounds", "Date", "Principles", "Raised by", "Lead", "Question",
              "Decision statement", "Reason", "Redirected to", "Published", "Practices acknowledged", "Practices",
              "Link"]
    writer = csv.writer(_Echo())
    items = items.select_related("raised_by", "lead")

    def rows():
        yield writer.writerow(header)
        # Streamed a chunk of items at a time: a national host's log has thousands, and the first row leaves at once
        # with memory flat however long the log is.
        for item in items.iterator(chunk_size=CSV_CHUNK):
            yield writer.writerow([_csv_cell(v) for v in [
                f"D{item.pk}", item.title, item.get_status_display(), item.round_count, item.log_date,
                "; ".join(item.principle_titles), item.raised_by.get_full_name(),
                item.lead.get_full_name() if item.lead else "", item.question, item.statement, item.outcome_reason,
                item.redirected_to_name or "", timezone.localtime(item.published_at).strftime("%Y-%m-%d %H:%M")
                if item.published_at else "", item.acknowledged if item.published_at else "",
                total if item.published_at else "", request.build_absolute_uri(_item_url(item)),
            ]])

    response = StreamingHttpResponse(places.carried(rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="decision-log.csv"'
    return response


@login_required
@require_GET
def published(request):
    """What practices see: agreed decisions published to them, a page at a time, and whether their practice has seen
    each one; a practice's people may show only those it has not yet acknowledged."""
    roles.require(roles.is_participant(request.user))
    mine = roles.practice_ids(request.user)
    unseen_only = bool(mine) and request.GET.get("show") == "unseen"
    page, practice_count = selectors.published_page(practice_ids=mine, unseen_only=unseen_only,
                                                    page=request.GET.get("page"))
    return render(
        request,
        "decisions/published.html",
        {"items": page, "page": page, "query": "show=unseen" if unseen_only else "", "unseen_only": unseen_only,
         "practice_count": practice_count, "has_practice": bool(mine)},
    )


@require_GET
def public(request):
    """Decisions the chair chose to publish beyond the portal."""
    return render(request, "decisions/public.html", {"items": selectors.public_decisions(limit=100)})


# Raising and editing items --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request):
    roles.require(access.can_raise(request.user))
    form = ItemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.item_create(raised_by=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The draft is saved. Only the group can see it.")
            return redirect(item)
    return render(request, "decisions/item_form.html", {"form": form, "item": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    item = access.get_item_for(request.user, pk, to="edit")
    form = ItemForm(request.POST if request.method == "POST" else None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect(item)
    return render(request, "decisions/item_form.html", {"form": form, "item": item},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def item_start_discussion(request, pk: int):
    item = access.get_item_for(request.user, pk, to="edit")
    try:
        services.item_start_discussion(item=item, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "The item is open for discussion.")
    return redirect(item)


# The item page --------------------------------------------------------------------------------------------


def _item_page(request, item, *, comment_form=None, interest_form=None, paper_form=None, status=200):
    user = request.user
    now = timezone.now()
    context = {"item": item, "is_group": roles.is_group(user), "is_chair": roles.is_chair(user), "now": now}
    if item.is_published:
        context.update(selectors.item_acknowledgements(item, practice_ids=roles.practice_ids(user)))
    if not context["is_group"]:
        context["papers"] = selectors.item_papers(item)
        return render(request, "decisions/item_published.html", context, status=status)
    context.update(selectors.item_discussion(item, user=user, now=now))  # its papers with the discussion
    last = context["last"]
    context.update({
        "comment_form": comment_form or CommentForm(),
        "interest_form": interest_form or InterestForm(),
        "can_edit": access.can_edit(user, item),
        "paper_form": paper_form if paper_form is not None else PaperForm(current=context["papers"]),
        "can_comment": access.can_comment(user, item),
        "can_declare": access.can_declare_interest(user, item),
        "can_withdraw": access.can_withdraw(user, item),
        "can_open_round": context["is_chair"] and item.is_revisable,
        "can_confirm": context["is_chair"] and not refusal(
            services.check_confirmable, item=item, last_round=last and last["round"],
            verdict=last and last["verdict"], now=now,
        ),
        "can_end": context["is_chair"] and item.is_open,
        "can_record": access.can_record_for_seats(user),
    })
    return render(request, "decisions/item.html", context, status=status)


@login_required
@require_GET
def item(request, pk: int):
    item = access.get_item_for(request.user, pk)
    return _item_page(request, item)


@login_required
@require_POST
def comment_add(request, pk: int):
    item = access.get_item_for(request.user, pk, to="comment")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(item=item, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your comment is added. Only the group sees the discussion.")
            return redirect(_item_url(item, "discussion"))
    return _item_page(request, item, comment_form=form, status=400)


@login_required
@require_POST
def interest_declare(request, pk: int):
    item = access.get_item_for(request.user, pk, to="declare")
    form = InterestForm(request.POST)
    if form.is_valid():
        try:
            services.interest_declare(item=item, user=request.user, interest=form.cleaned_data["interest"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your interest is recorded on this item. It is shown when you respond.")
            return redirect(_item_url(item, "interests"))
    return _item_page(request, item, interest_form=form, status=400)


@login_required
@require_POST
def acknowledge(request, pk: int):
    item = access.get_item_for(request.user, pk, to="acknowledge")
    practice = roles.own_practice(request.user, request.POST.get("practice"))
    if practice is None:
        messages.error(request, "Choose one of your practices.")
        return _item_page(request, item, status=400)
    services.acknowledgement_record(item=item, practice=practice, by=request.user)
    messages.success(request, f"Thank you: {practice.name} has seen this decision.")
    if request.POST.get("next") == "published":
        return redirect("decisions:published")
    return redirect(item)


# Papers (members.papers) ----------------------------------------------------------------------------------


@login_required
@require_POST
def paper_add(request, pk: int):
    item = access.get_item_for(request.user, pk, to="edit")
    form = PaperForm(request.POST, request.FILES, current=ItemPaper.objects.current().filter(item=item))
    add = partial(papers.paper_add, owner=item, uploaded_by=request.user)
    return paper_form_done(request, form, add=add, done_url=_item_url(item, "papers")) or _item_page(
        request, item, paper_form=form, status=400)


@login_required
@require_GET
def paper(request, pk: int, paper_pk: int):
    """A paper of an item, for whoever may read the item (practices too, once it is published)."""
    item = access.get_item_for(request.user, pk)
    return papers.paper_download(papers.paper_of(item, paper_pk))


# Rounds ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_open(request, pk: int):
    item = access.get_item_for(request.user, pk, to="open_round")
    form = RoundOpenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new_round = services.round_open(
                item=item, by=request.user, deadline=services.deadline_from_date(form.cleaned_data["deadline"])
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Round {new_round.number} is open. Every seat has been emailed.")
            return redirect(item)
    seats = Seat.objects.filter(is_active=True).select_related("holder", "deputy")
    return render(request, "decisions/round_open.html", {"form": form, "item": item, "seats": seats},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def round_close(request, pk: int, number: int):
    the_round = access.get_round_for(request.user, pk, number, to="close")
    closed = services.round_close(round=the_round, by=request.user)
    messages.success(request, f"Round {closed.number} is closed: {closed.get_outcome_display().lower()}.")
    return redirect(the_round.item)


@login_required
@require_http_methods(["GET", "POST"])
def respond(request, pk: int, number: int, seat_pk: int):
    the_round, seat = access.get_asked_seat_for(request.user, pk, number, seat_pk, to="respond")
    item = the_round.item
    existing = Position.objects.filter(round=the_round, seat=seat).select_related("responded_by").first()
    closed = refusal(services.check_round_takes_positions, the_round)
    if request.method == "POST" and not the_round.is_open:
        messages.error(request, closed)
        return redirect(_item_url(item, "round"))
    form = PositionForm(request.POST if request.method == "POST" else None, initial=PositionForm.initial_for(existing))
    if request.method == "POST" and form.is_valid():
        try:
            position = services.position_record(round=the_round, seat=seat, by=request.user, **form.position_data())
        except ValidationError as error:
            add_service_errors(form, error, fields=form.service_fields)
        else:
            if position.stance == Position.Stance.BLOCK:
                messages.success(request, f"{seat.title} blocks round {number}. The round is closed without "
                                          "consensus; the lead will revise the wording.")
            else:
                messages.success(request, f"{seat.title}'s position is recorded: "
                                          f"{position.get_stance_display().lower()}.")
            return redirect(_item_url(item, "round"))
    return render(
        request,
        "decisions/respond.html",
        {
            "form": form,
            "item": item,
            "round": the_round,
            "seat": seat,
            "existing": existing,
            "interest_flag": services.interest_flag_for(user=request.user, item=item),
            "hints": PositionForm.HINTS,
            "closed": closed,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_for_seat(request, pk: int, number: int, seat_pk: int):
    """The chair or a gatekeeper writes down a position the seat's holder or deputy gave by phone or in the
    meeting; the item shows who gave it, who recorded it and how."""
    the_round, seat = access.get_asked_seat_for(request.user, pk, number, seat_pk, to="record")
    item = the_round.item
    existing = Position.objects.filter(round=the_round, seat=seat).select_related("responded_by").first()
    closed = refusal(services.check_round_takes_positions, the_round)
    if request.method == "POST" and not the_round.is_open:
        messages.error(request, closed)
        return redirect(_item_url(item, "round"))
    form = OnBehalfForm(request.POST if request.method == "POST" else None, seat=seat,
                        initial=OnBehalfForm.initial_for(existing))
    if not form.people:
        closed = f"Nobody holds {seat.title}: a seat with no holder or deputy has nobody to give its position."
    if request.method == "POST" and form.is_valid():
        try:
            position = services.position_record(
                round=the_round, seat=seat, by=form.giver, recorded_by=request.user,
                given_how=form.cleaned_data["given_how"], **form.position_data())
        except ValidationError as error:
            add_service_errors(form, error, fields={**form.service_fields, "given_how": "given_how"})
        else:
            messages.success(request, f"{seat.title}'s position is recorded: {position.get_stance_display().lower()}, "
                                      f"given by {form.giver.get_full_name()} "
                                      f"{position.get_given_how_display().lower()}.")
            return redirect(_item_url(item, "round"))
    return render(request, "decisions/respond.html", {
        "form": form, "item": item, "round": the_round, "seat": seat, "existing": existing, "on_behalf": True,
        "hints": PositionForm.HINTS, "closed": closed,
    }, status=400 if form.errors else 200)


# Outcomes -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, pk: int):
    item = access.get_item_for(request.user, pk, to="confirm")
    initial = {"principles": [p.pk for p in item.principles.all()], "statement": item.proposed_wording,
               "decided_on": timezone.localdate(), "publish": True}
    form = ConfirmForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_confirm(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "The decision is agreed" + (" and published to every practice." if form.cleaned_data["publish"]
                                            else ". Publish it when the group is ready."),
            )
            return redirect(item)
    return render(request, "decisions/confirm.html", {"form": form, "item": item},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def publish(request, pk: int):
    item = access.get_item_for(request.user, pk, to="publish")
    is_public = request.POST.get("is_public") == "on"
    try:
        if item.is_published:
            services.item_set_public(item=item, by=request.user, is_public=is_public)
            messages.success(request, "Shown on the public page." if is_public else "Removed from the public page.")
        else:
            services.item_publish(item=item, by=request.user, is_public=is_public)
            messages.success(request, "The decision is published to every practice.")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect(item)


OUTCOMES = {
    "park": ("Park the item (not agreed)", "Park the item", services.item_park),
    "redirect": ("Redirect to a member organisation", "Redirect the item", services.item_redirect),
    "withdraw": ("Withdraw the item", "Withdraw the item", services.item_withdraw),
}


@login_required
@require_http_methods(["GET", "POST"])
def item_end(request, pk: int, outcome: str):
    if outcome not in OUTCOMES:
        raise Http404("No such outcome")
    item = access.get_item_for(request.user, pk, to="withdraw" if outcome == "withdraw" else "end")
    title, button, service = OUTCOMES[outcome]
    form_class = RedirectForm if outcome == "redirect" else ReasonForm
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{item.title}: {title.lower()} – done.")
            return redirect(item)
    return render(request, "decisions/item_end.html",
                  {"form": form, "item": item, "title": title, "button": button, "outcome": outcome},
                  status=400 if form.errors else 200)


# Principles -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def principles(request):
    roles.require(roles.is_participant(request.user))
    is_chair = roles.is_chair(request.user)
    if request.method == "POST":
        roles.require(is_chair)
    form = PrincipleForm(request.POST if request.method == "POST" else None) if is_chair else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            principle = services.principle_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{principle.title}” is added to the group's principles.")
            return redirect("decisions:principles")
    items = Principle.objects.all() if roles.is_group(request.user) else Principle.objects.current()
    return render(request, "decisions/principles.html",
                  {"principles": items.order_by("is_archived", "title"), "form": form, "is_chair": is_chair},
                  status=400 if form is not None and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def principle_edit(request, pk: int):
    principle = access.get_principle_for(request.user, pk, to="edit")
    form = PrincipleForm(request.POST if request.method == "POST" else None, instance=principle)
    if request.method == "POST" and form.is_valid():
        try:
            services.principle_update(principle=principle, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The principle is updated; its history keeps the earlier wording.")
            return redirect("decisions:principles")
    history = principle.history.select_related("history_user").order_by("-history_date")
    return render(request, "decisions/principle_form.html",
                  {"form": form, "principle": principle, "history": history},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def principle_archive(request, pk: int):
    principle = access.get_principle_for(request.user, pk, to="retire")
    services.principle_archive(principle=principle, by=request.user)
    messages.success(request, f"“{principle.title}” is retired. Decisions that cite it still show it.")
    return redirect("decisions:principles")


# One-click links from emails (members.email_links) ------------------------------------------------------------


def _link_ids(request, token: str, purpose: str):
    try:
        return email_links.read(token, purpose), None
    except email_links.LinkError as error:
        return None, email_links.refused(request, error)


@login_required
@require_http_methods(["GET", "POST"])
def acknowledge_by_link(request, token: str):
    """"Acknowledge for <practice>" from the digest: the page names the decision and the practice, and its one
    button acknowledges, for a signed-in person who works for that practice now (the item page's rule)."""
    ids, refused = _link_ids(request, token, emails.ACKNOWLEDGE_LINK)
    if refused:
        return refused
    user = request.user
    if not DecisionItem.objects.filter(pk=ids["item"]).exists():
        return email_links.refused(request, email_links.LinkError(), status=404)
    practice = roles.own_practice(user, ids["practice"])
    try:
        item = access.get_item_for(user, ids["item"], to="acknowledge")
    except (Http404, PermissionDenied):
        item = None
    if item is None or practice is None:
        return email_links.refused(request, email_links.NotForYou(
            "This link is for another practice",
            f"You are signed in as {user.email}, who does not work for the practice this link was sent for, so "
            "it cannot be acknowledged from here. Sign out and follow the link again as someone from that "
            "practice."), status=403)
    done = Acknowledgement.objects.filter(item=item, practice=practice).select_related("acknowledged_by").first()
    if request.method == "POST" and done is None:
        services.acknowledgement_record(item=item, practice=practice, by=user)
        messages.success(request, f"Thank you: {practice.name} has seen this decision.")
        return redirect(request.path)
    facts = [("Decision", item.title), ("Decision statement", item.statement), ("For", practice.name)]
    if done is not None:
        when = formats.date_format(timezone.localtime(done.acknowledged_at), "j F Y")
        return email_links.page(request, heading=f"{practice.name} has seen this decision", caption=item.title,
                                facts=facts + [("Acknowledged", f"{when} by {done.acknowledged_by.get_full_name()}")])
    return email_links.page(
        request, heading=f"Acknowledge for {practice.name}", caption="A decision of the leadership group", facts=facts,
        lead=f"This records that {practice.name} has seen the decision and shared it with the practice team.",
        button=f"Acknowledge for {practice.name}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def respond_by_link(request, token: str):
    """"Respond for <seat>" from a round's emails: the button takes the seat's holder or deputy to the response
    form (a position can block a round, so it is always given on the full form, with its reasons)."""
    ids, refused = _link_ids(request, token, emails.RESPOND_LINK)
    if refused:
        return refused
    the_round = Round.objects.select_related("item").filter(pk=ids["round"]).first()
    if the_round is None:
        return email_links.refused(request, email_links.LinkError(), status=404)
    try:
        the_round, seat = access.get_asked_seat_for(
            request.user, the_round.item_id, the_round.number, ids["seat"], to="respond")
    except (Http404, PermissionDenied):
        return email_links.refused(request, email_links.NotForYou(
            "This link is for another seat",
            f"You are signed in as {request.user.email}, who neither holds nor deputises for the seat this link "
            "was sent for. Sign out, then follow the link again as the seat's holder or deputy."), status=403)
    if not the_round.is_open:
        return email_links.refused(request, email_links.NotForYou(
            "This consensus check has closed",
            f"Round {the_round.number} of \u201c{the_round.item.title}\u201d is closed, so {seat.title} can no "
            "longer respond to it."), status=410, back=reverse("decisions:item", args=[the_round.item_id]))
    if request.method == "POST":
        return redirect("decisions:respond", the_round.item_id, the_round.number, seat.pk)
    deadline = formats.date_format(timezone.localtime(the_round.deadline), "j F Y, H:i")
    return email_links.page(
        request, heading=f"Respond for {seat.title}", caption=the_round.item.title,
        facts=[("Consensus check", f"Round {the_round.number}"), ("Seat", seat.title), ("Deadline", deadline)],
        button=f"Respond for {seat.title}",
    )
