"""The single point of access."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from members.access import require
from members.forms import add_service_errors, refusal

from .. import access, selectors, services
from ..forms import RequestForm, TriageForm, started_token
from ..models import TRIAGE_TARGET_WORKING_DAYS
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
    show_all = request.GET.get("show") == "all"
    return render(
        request, "representation/requests.html",
        {
            **selectors.request_queue(show_all=show_all, today=today),
            "today": today, "target": TRIAGE_TARGET_WORKING_DAYS, "show_all": show_all,
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
    return render(
        request, "representation/request.html",
        {"req": req, "form": form, "today": timezone.localdate(), "target": TRIAGE_TARGET_WORKING_DAYS},
        status=form_status(form),
    )
