"""The single point of access."""

from functools import partial

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import papers
from members.access import require
from members.forms import PaperForm, add_service_errors, refusal
from members.models import ICS, Place
from members.paper_pages import paper_form_done

from .. import access, selectors, services
from ..forms import ICSRequestForm, RequestForm, TriageForm, started_token
from ..models import TRIAGE_TARGET_WORKING_DAYS, RequestPaper
from ._common import bound, form_status


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


def _kept(request, form_class) -> dict:
    """What was typed, to show again in a fresh form (a choice of several keeps every box that was ticked)."""
    return {
        name: request.POST.getlist(name) if isinstance(field, forms.MultipleChoiceField) else request.POST.get(name, "")
        for name, field in form_class.base_fields.items() if name not in ("website", "started", "file")
    }


def _public_form(request, *, form_class, template, submit, sent_url, context=None, form_kwargs=None):
    """A public request form, with every protection of the single point of access: the per-address limit, the
    hidden field for bots, the signed started token (too quick, too old, or sent before) and the service's rules.
    `submit(**cleaned_data)` makes the request(s); its ValidationError is shown on the form."""
    context, form_kwargs = context or {}, form_kwargs or {}
    if request.method == "GET":
        form = form_class(initial={"started": started_token()}, **form_kwargs)
        return render(request, template, {**context, "form": form})
    if _over_the_limit(request):
        form = form_class(initial={**_kept(request, form_class), "started": started_token()}, **form_kwargs)
        minutes = max(1, settings.REQUEST_FORM_WINDOW_SECONDS // 60)
        return render(
            request, template,
            {**context, "form": form, "refused": True, "limit": settings.REQUEST_FORM_LIMIT, "minutes": minutes},
            status=429,
        )
    form = form_class(request.POST, request.FILES, **form_kwargs)
    if form.is_bot:
        # Say nothing useful to a bot; a person never sees the hidden field.
        return redirect(sent_url)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("website", "started")}
        try:
            submit(**data)
        except ValidationError as error:
            add_service_errors(form, error)
            form.ask_for_file_again()
        else:
            return redirect(sent_url)
    # A fresh token, so that sending the corrected form is not refused as too quick or too old.
    form.data = form.data.copy()
    form.data["started"] = started_token()
    return render(request, template, {**context, "form": form}, status=400)


@require_http_methods(["GET", "POST"])
def request_new(request):
    """Public: a system partner asks general practice for something. No account needed."""
    return _public_form(request, form_class=RequestForm, template="representation/request_new.html",
                        submit=services.request_submit, sent_url=reverse("representation:request_sent"))


def request_sent(request):
    return render(request, "representation/request_sent.html", {"target": TRIAGE_TARGET_WORKING_DAYS})


def _ics_with_places(slug: str) -> ICS:
    ics = get_object_or_404(ICS, slug=slug)
    if not Place.objects.filter(ics=ics).exists():
        raise Http404("No places in this ICS yet")
    return ics


@require_http_methods(["GET", "POST"])
def ics_request_new(request, slug: str):
    """Public: an ICS-level partner (the ICB, a trust that serves several places) asks general practice in one,
    several or all places of the ICS at once. Each chosen place gets its own copy to triage."""
    ics = _ics_with_places(slug)

    def submit(*, places, **fields):
        return services.request_submit_routed(ics=ics, to_places=places, **fields)

    return _public_form(request, form_class=ICSRequestForm, template="representation/ics_request_new.html",
                        submit=submit, sent_url=reverse("ics_requests:sent", args=[ics.slug]),
                        context={"ics": ics}, form_kwargs={"ics": ics})


def ics_request_sent(request, slug: str):
    ics = _ics_with_places(slug)
    return render(request, "representation/request_sent.html", {"target": TRIAGE_TARGET_WORKING_DAYS, "ics": ics})


@login_required
def requests(request):
    """The gatekeepers' queue: requests awaiting triage, oldest target first, then the recently triaged."""
    require(access.can_triage(request.user))
    today = timezone.localdate()
    show = request.GET.get("show", "")
    show = show if show in ("waiting", "all") else ""
    return render(
        request, "representation/requests.html",
        {
            **selectors.request_queue(show=show, page=request.GET.get("page"), today=today),
            "query": f"show={show}", "today": today, "target": TRIAGE_TARGET_WORKING_DAYS, "show": show,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    req = access.get_request_for(request.user, pk, to="triage" if request.method == "POST" else "read")
    form = bound(TriageForm, request)
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
    return _request_page(request, req, form=form, status=form_status(form))


def _request_page(request, req, *, form=None, paper_form=None, status=200):
    paper_list = selectors.request_papers(req)
    return render(
        request, "representation/request.html",
        {"req": req, "form": form if form is not None else TriageForm(), "today": timezone.localdate(),
         "target": TRIAGE_TARGET_WORKING_DAYS, "routed_to": selectors.routed_places(req), "papers": paper_list,
         "paper_form": paper_form if paper_form is not None else PaperForm(current=paper_list)},
        status=status,
    )


@login_required
@require_POST
def request_paper_add(request, pk: int):
    """The gatekeepers add papers to a request: what they asked the partner for, a reply."""
    req = access.get_request_for(request.user, pk, to="attach")
    form = PaperForm(request.POST, request.FILES, current=RequestPaper.objects.current().filter(request=req))
    add = partial(papers.paper_add, owner=req, uploaded_by=request.user)
    done = reverse("representation:request", args=[req.pk]) + "#papers"
    return paper_form_done(request, form, add=add, done_url=done) or _request_page(
        request, req, paper_form=form, status=400)


@login_required
@require_GET
def request_paper(request, pk: int, paper_pk: int):
    req = access.get_request_for(request.user, pk, to="read")
    return papers.paper_download(papers.paper_of(req, paper_pk))
