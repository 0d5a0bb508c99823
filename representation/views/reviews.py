"""Reviews."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from members.access import is_acting_member, require
from members.forms import add_service_errors

from .. import access, selectors, services
from ..forms import ReviewForm
from ._common import form_status


@login_required
def reviews(request):
    """Representatives due a review, and the reviews the user may see."""
    user = request.user
    require(access.can_read_reviews(user))
    is_reader = is_acting_member(user)
    return render(
        request, "representation/reviews.html",
        {
            "reviews": selectors.review_list(of_person=None if is_reader else user),
            "due": selectors.representatives_due_review() if is_reader else [],
            "can_record": access.can_record_reviews(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def representative(request, pk: int):
    representative = access.get_representative_for(
        request.user, pk, to="record_review" if request.method == "POST" else "read_reviews"
    )
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
        status=form_status(form),
    )
