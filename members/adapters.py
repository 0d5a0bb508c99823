import math
import time
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from members import outbox, services

PORTAL_NAME = "GP Leadership Portal"

# Failed sign-ins are limited twice over (numbers in ACCOUNT_RATE_LIMITS):
#
# - "login_failed" keeps allauth's figures (10 a minute per address, 5 per 5 minutes per key) but its key is the
#   client address *and* the email, not the email alone. Keyed by email alone, a stranger who types someone's
#   address and five wrong passwords locks that person out everywhere, and one failure a minute keeps them out
#   for as long as the stranger likes. Keyed by address and email, the stranger locks out only themselves.
# - "login_failed_account" is keyed by the email alone, as a ceiling for guesses spread over many addresses.
#   Its figure is above what one address can reach within the window (5), so no single stranger can trip it;
#   someone who does trip it from several addresses locks the owner out for the window only, and a password
#   reset (proof of the mailbox) lifts both limits at once.
#
# pre_authenticate is allauth's hook; _login_failed_rl_usage and _delete_login_attempts_cached_email are its
# private names (allauth is pinned below 66), and tests/members/test_security.py fails if they change.
ADDRESS_ACTION = "login_failed"
ACCOUNT_ACTION = "login_failed_account"


@dataclass(frozen=True)
class PortalSite:
    """What allauth's emails call ``current_site``: the sites framework is not installed, and without it allauth
    would name the request's host instead of the portal."""

    name: str
    domain: str


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: people join through an invitation from a chair or gatekeeper."""

    def is_open_for_signup(self, request):
        return False

    def send_mail(self, template_prefix, email, context):
        site = PortalSite(name=PORTAL_NAME, domain=urlsplit(settings.SITE_URL).netloc)
        # Through the outbox like every email: an SMTP server that is down never turns a reset into an error page.
        outbox.enqueue_prepared(self.render_mail(template_prefix, email, {**context, "current_site": site}))

    def pre_authenticate(self, request, **credentials):
        email = credentials.get("email", "").lower()
        usages = []
        for action, key in _login_failure_keys(request, email):
            usage = ratelimit.consume(request, app="allauth.account", action=action, key=key)
            if usage is None:
                for earlier in usages:
                    earlier.rollback()
                raise ImmediateHttpResponse(_sign_in_throttled(request, email))
            usages.append(usage)
        # allauth's authenticate() rolls this back when the password is right, so only failures count.
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(usage=[u for usage in usages for u in usage.usage])

    def _delete_login_attempts_cached_email(self, request, **credentials):
        # Called by allauth after a successful password reset: the person has shown they hold the mailbox.
        for action, key in _login_failure_keys(request, credentials.get("email", "").lower()):
            ratelimit.clear(request, app="allauth.account", action=action, key=key)


def _login_failure_keys(request, email: str) -> list[tuple[str, str]]:
    return [(ADDRESS_ACTION, f"{ratelimit.get_ip(request)}:{email}"), (ACCOUNT_ACTION, email)]


def _seconds_until_allowed(request, email: str) -> int:
    """How long until every limit on this address and email has room for one more attempt."""
    now = time.time()
    wait = 0.0
    for action, key in _login_failure_keys(request, email):
        for rate in ratelimit.get_rates(app="allauth.account", action=action):
            cache_key = ratelimit.get_cache_key(request, app="allauth.account", action=action, rate=rate, key=key)
            # allauth keeps each limit's attempts newest first.
            recent = [ts for ts in cache.get(cache_key, []) if ts > now - rate.duration]
            if len(recent) >= rate.amount:
                wait = max(wait, recent[rate.amount - 1] + rate.duration - now)
    return max(1, round(wait))


def _sign_in_throttled(request, email: str):
    seconds = _seconds_until_allowed(request, email)
    form = LoginForm(initial={"login": email}, request=request)
    response = render(
        request,
        "account/login_throttled.html",
        {
            "form": form,
            "email": email,
            "retry_at": timezone.now() + timezone.timedelta(seconds=seconds),
            "retry_minutes": math.ceil(seconds / 60),
        },
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response


class InvitedOnlySocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign in with NHSmail (OpenID Connect) admits only people the group invited.

    The provider must say the address is verified. Then an account with that address is signed in (and the NHSmail
    identity connected to it, so the next sign-in finds it by the provider's subject); an address with a live
    invitation in any place gets its account and what the invitation gives, through the members service; anyone
    else is turned away and nothing is stored. allauth's own signup never runs: accounts are made here, by the
    invitation service, so that an uninvited address can never reach allauth's signup form or create a user."""

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        claims = sociallogin.account.get_provider_account().get_user_data() or {}
        email = (claims.get("email") or "").strip().lower()
        # Some providers send the claim as the string "true"; anything else is not a verified address.
        if not email or str(claims.get("email_verified")).lower() != "true":
            raise ImmediateHttpResponse(_provider_sign_in_refused(request, "unverified", email))
        if sociallogin.is_existing:
            return
        account = services.account_for_email(email)
        if account is None:
            try:
                account = services.invitation_accept_by_provider(email=email, full_name=claims.get("name") or "")
            except ValidationError:
                # Someone made the account in the meantime: it is theirs to sign in to, found by address.
                account = services.account_for_email(email)
            if account is None:
                raise ImmediateHttpResponse(_provider_sign_in_refused(request, "not_invited", email))
            messages.success(request, services.ACCOUNT_READY.format(name=account.get_short_name()))
        sociallogin.connect(request, account)


def _provider_sign_in_refused(request, reason: str, email: str):
    response = render(
        request, "account/provider_sign_in_refused.html", {"reason": reason, "email": email},
        status=HTTPStatus.FORBIDDEN,
    )
    add_never_cache_headers(response)
    return response
