"""Reviews."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members.models import User

from ..models import Representative, Review


@transaction.atomic
def review_record(
    *, representative: Representative, recorded_by: User, reviewed_on: date, working_well: str,
    overstepped_mandate: str = "", thin_feedback: str = "", next_steps: str = "",
) -> Review:
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": "A review is recorded on or after the day it took place."})
    return Review.objects.create(
        representative=representative, recorded_by=recorded_by, reviewed_on=reviewed_on,
        working_well=working_well.strip(), overstepped_mandate=overstepped_mandate.strip(),
        thin_feedback=thin_feedback.strip(), next_steps=next_steps.strip(),
    )
