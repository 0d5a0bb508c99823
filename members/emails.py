"""The emails of the members app, built when they are sent (members.outbox)."""

from django.conf import settings
from django.template.loader import render_to_string

from . import outbox
from .models import Invitation, OutboxEmail


@outbox.builder("members.invitation", label="Invitation")
def invitation(email: OutboxEmail):
    from .services import invitation_link, invitation_token

    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(
        pk=email.params["invitation"]).first()
    if invitation is None or invitation.state != "pending":
        raise outbox.Skip("the invitation is no longer waiting")
    body = render_to_string(
        "members/email/invitation.txt",
        {"invitation": invitation, "link": invitation_link(invitation_token(invitation)),
         "days": settings.INVITATION_VALID_DAYS},
    )
    return outbox.message(subject="You are invited to the GP leadership portal", body=body, to=[invitation.email])
