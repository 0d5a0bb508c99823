"""The Content-Security-Policy: every page sends it, and no template carries inline code it would block.
(The browser tests fail on any violation Chromium reports; these catch a regression without a browser.)"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}

# Email templates are sent, never served, so CSP does not apply to them (and email clients need inline styles).
TEMPLATES = sorted(
    p for p in (settings.BASE_DIR / "templates").rglob("*") if p.is_file() and "email" not in p.parts
)
# An inline script is a <script> without src; a style attribute or an on…= event handler is inline code too.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\s(style|on[a-z]+)\s*=", re.IGNORECASE)


def _policy(response) -> dict[str, list[str]]:
    directives = [d.split() for d in response.headers["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives}


def _inline_code(html: str) -> list[str]:
    return [m.group(0) for m in INLINE_SCRIPT.finditer(html)] + [m.group(0) for m in INLINE_ATTRIBUTE.finditer(html)]


def test_it_sends_the_policy_on_public_pages(client):
    for url in [reverse("about"), reverse("representation:request_new"), reverse("account_login")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _policy(response) == POLICY, url
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_it_sends_the_policy_on_signed_in_pages(client_for, member):
    response = client_for(member).get(reverse("home"))
    assert response.status_code == 200
    assert _policy(response) == POLICY


def test_no_template_has_inline_script_or_style():
    offences = {str(p.relative_to(settings.BASE_DIR)): _inline_code(p.read_text()) for p in TEMPLATES}
    assert {path: found for path, found in offences.items() if found} == {}


def test_the_template_check_does_catch_inline_code():
    # Guards the check above: each kind of inline code it must find, and what it must let through.
    assert _inline_code("<script>alert(1)</script>")
    assert _inline_code('<script type="module">import "x";</script>')
    assert _inline_code('<p class="a"\n   style="color: red">')
    assert _inline_code('<button onclick="go()">')
    assert not _inline_code('<script src="/static/js/x.js" defer></script><p class="portal-pre-wrap">style=</p>')
    assert Path(settings.BASE_DIR / "templates" / "base.html") in TEMPLATES
