"""Signed, expiring links in emails: "acknowledge for Riverside Surgery", "open my ballot", "respond for my seat".

A link names one thing to do and whom it is for (a practice, a seat, the person it was sent to), signed with the
portal's secret so it cannot be altered, and dated so it stops working after EMAIL_LINK_MAX_AGE_DAYS. Following it
(GET) only ever shows a confirmation page with one button; the button (POST) does the thing. A link never signs
anybody in and never acts on its own: someone who is not signed in signs in first (with NHSmail where it is set up)
and comes back to the same page. The app that owns the thing reads the link with `read` and
applies its own access rule to the signed-in person, so a link never grants more than the rule does; what it adds
is the one button, the practice or seat already chosen, and a clear page when it has expired or is not theirs.
"""

import re

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from . import rows

SALT = "gpleadership.email-link"


class LinkError(Exception):
    """A link that cannot be used. `title` and `message` are what the person is told."""

    title = "This link does not work"
    message = ("The link may have been copied incompletely from the email. Open the portal and find the item "
               "from its home page instead.")


class LinkExpired(LinkError):
    title = "This link has expired"

    @property
    def message(self) -> str:
        return (f"Links in emails work for {settings.EMAIL_LINK_MAX_AGE_DAYS} days. Open the portal and find the "
                "item from its home page instead; the weekly digest will bring a fresh link.")


def make(purpose: str, **ids: int) -> str:
    """A token for `purpose` naming the objects in `ids` (small integers: short links)."""
    return signing.dumps({"p": purpose, **ids}, salt=SALT, compress=True)


def read(token: str, purpose: str) -> dict:
    """The ids a token names, or LinkExpired / LinkError. A token made for another purpose is not valid here."""
    max_age = timezone.timedelta(days=settings.EMAIL_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired() from error
    except signing.BadSignature as error:
        raise LinkError() from error
    if not isinstance(payload, dict) or payload.pop("p", None) != purpose:
        raise LinkError()
    if not all(isinstance(value, int) for value in payload.values()):
        raise LinkError()
    return payload


def page(request, *, heading: str, caption: str = "", facts: list[tuple[str, str]] = (), lead: str = "",
         button: str = "", status: int = 200):
    """The confirmation page a link opens: what it is for, and one button (a POST to the same address)."""
    from django.shortcuts import render

    return render(request, "email_link.html", {
        "heading": heading, "caption": caption, "facts": facts, "lead": lead, "button": button,
    }, status=status)


def refused(request, error: LinkError, *, status: int | None = None, back: str = ""):
    """A clear page for a link that cannot be used: expired, altered, or for someone else."""
    from django.shortcuts import render

    if status is None:
        status = 410 if isinstance(error, LinkExpired) else 400
    return render(request, "email_link_refused.html", {"error": error, "back": back}, status=status)


class NotForYou(LinkError):
    """The link is for a practice or a seat the person following it does not act for."""

    def __init__(self, title: str, message: str):
        super().__init__(title)
        self.title = title
        self.message = message


# What a signed token is made of (URL-safe base64 and the signer's colons), which reverse() leaves as it is.
_TOKEN = re.compile(r"[A-Za-z0-9_:-]+\Z")


def url(view_name: str, purpose: str, **ids: int) -> str:
    """The full address of a link for `purpose`, opened by the view `view_name` (which reads it with `read`). The
    address around the token is reversed once (members.rows.address_of): the weekly digest makes hundreds."""
    token = make(purpose, **ids)
    if not _TOKEN.match(token):
        return settings.SITE_URL + reverse(view_name, args=[token])
    return settings.SITE_URL + rows.address_of(view_name)(token)
