"""The bytes an SMTP server is sent for a plain email, written directly.

Drawing an email with the standard library (Django's `message()`, then the email package's generator) folds every
header through its Header class and copies each part's payload twice: 2 ms an email, most of what the weekly send
spent building the digest (issue 12). For the emails the portal sends – a text body, at most one HTML alternative,
short ASCII headers, no line over 998 bytes – `smtp_bytes` writes exactly the bytes the standard library writes
(tests/members/test_mime.py compares them for emails of every such shape); for any other email it says None, and
the caller draws it the standard way.
"""

import re

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives

# Longer lines are folded by the standard library (compat32's 78 characters); folding is left to it.
_HEADER_LINE = 78
# Longer body lines make Django send the part quoted-printable (RFC 5322's limit, django.core.mail.message).
_BODY_LINE = 998
# What the standard library writes unchanged: printable ASCII, single spaces, nothing at either end.
_PLAIN = re.compile(r"[!-~]+(?: [!-~]+)*\Z")
_NEWLINE = re.compile(r"\r\n|\r|\n")
# The boundary the outbox gives each email (128 random bits): its length is what makes the standard library fold the
# Content-Type before it, as written below.
BOUNDARY = re.compile(r"=_[0-9a-f]{32}\Z")


def _header(name: str, value: str) -> str | None:
    line = f"{name}: {value}"
    return f"{line}\r\n" if len(line) <= _HEADER_LINE and _PLAIN.match(value) else None


def _part(text: str, subtype: str) -> tuple[bytes, bytes] | None:
    """One text part's headers and body as the standard library writes them: 7bit when ASCII, 8bit otherwise, lines
    ended by CRLF."""
    body = text.encode("utf-8")
    if any(len(line) > _BODY_LINE for line in body.splitlines()):
        return None  # sent quoted-printable: left to the standard library
    head = (f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
            f"Content-Transfer-Encoding: {'7bit' if body.isascii() else '8bit'}\r\n")
    return head.encode("ascii"), _NEWLINE.sub("\r\n", text).encode("utf-8")


def _is_plain(email: EmailMessage) -> bool:
    alternatives = getattr(email, "alternatives", [])
    return (type(email) in (EmailMessage, EmailMultiAlternatives) and not email.encoding
            and settings.DEFAULT_CHARSET == "utf-8" and email.content_subtype == "plain" and bool(email.body)
            and not (email.attachments or email.cc or email.reply_to)
            and set(email.extra_headers) == {"Message-ID"}
            and len(alternatives) <= 1 and all(mimetype == "text/html" for _, mimetype in alternatives)
            and (not alternatives or email.alternative_subtype == "alternative"))


def smtp_bytes(email: EmailMessage, *, boundary: str, date: str) -> bytes | None:
    """What `email.message()` (given `boundary`, and `date` as its Date header) gives as `as_bytes(linesep="\\r\\n")`,
    or None when the email is not of the plain shape this writes: the caller then draws it with the standard
    library."""
    if not _is_plain(email):
        return None
    headers = [_header("Subject", str(email.subject)), _header("From", str(email.from_email)),
               _header("To", ", ".join(str(to) for to in email.to)) if email.to else "",
               _header("Date", date), _header("Message-ID", str(email.extra_headers["Message-ID"]))]
    text = _part(email.body, "plain")
    if None in headers or text is None:
        return None
    envelope = "".join(headers).encode("ascii")
    alternatives = getattr(email, "alternatives", [])
    if not alternatives:
        return b"".join([text[0], envelope, b"\r\n", text[1]])
    html = _part(alternatives[0][0], "html")
    if html is None or not BOUNDARY.match(boundary):
        return None
    fence = f"--{boundary}".encode("ascii")
    return b"".join([
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode("ascii"),
        b"MIME-Version: 1.0\r\n", envelope, b"\r\n",
        fence, b"\r\n", text[0], b"\r\n", text[1], b"\r\n", fence, b"\r\n", html[0], b"\r\n", html[1],
        b"\r\n", fence, b"--\r\n",
    ])
