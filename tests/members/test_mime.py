"""An email written directly (members.mime) is byte for byte what the standard library draws for it, and an email
it does not know how to write is left to the standard library."""

import uuid
from email.utils import formatdate

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from members import mime, outbox

MESSAGE_ID = "<outbox.12.0123456789abcdef@gpleadership.localhost>"


def _email(*, subject="Weekly digest, week of 30 November 2026", body="Dear Ann,\n\nThe week – in short.\n\n",
           html="<p>Dear Ann – hello</p>\n", to=("pm@example.nhs.uk",)) -> EmailMessage:
    email = outbox.message(subject=subject, body=body, html=html, to=list(to))
    email.extra_headers["Message-ID"] = MESSAGE_ID
    return email


def _drawn_by_the_standard_library(email: EmailMessage, *, boundary: str, date: str) -> bytes:
    drawn = email.message()
    if drawn.is_multipart():
        drawn.set_boundary(boundary)
    drawn.replace_header("Date", date)
    return drawn.as_bytes(linesep="\r\n")


@pytest.mark.parametrize("email", [
    _email(),
    _email(body="ASCII only,\r\nold Mac line ends\rand none at the end", html="<p>ASCII</p>"),
    _email(to=("pm@example.nhs.uk", "deputy@example.nhs.uk")),
    _email(to=()),
    _email(html=""),
    _email(body="Plain ASCII text only.\n", html=""),
    _email(body="x" * 998 + "\n", html="<p>" + "é" * 400 + "</p>"),
], ids=["digest", "ascii", "two-to", "no-to", "text-only", "ascii-text-only", "longest-lines"])
def test_it_writes_what_the_standard_library_draws(email):
    boundary, date = f"=_{uuid.uuid4().hex}", formatdate()
    written = mime.smtp_bytes(email, boundary=boundary, date=date)
    assert written is not None
    assert written == _drawn_by_the_standard_library(email, boundary=boundary, date=date)


@pytest.mark.parametrize("email", [
    _email(body="x" * 999 + "\n"),  # sent quoted-printable
    _email(html="<ul>" + "<li>item</li>" * 100 + "</ul>"),
    _email(subject="Test: Weekly digest, week of 30 November 2026, as Dr Helen Ashworth will read it"),  # folded
    _email(subject="Zoë's digest"),  # encoded
    _email(subject="Two  spaces"),
    _email(to=("Zoë <zoe@example.nhs.uk>",)),
    EmailMessage("Subject", "Body", None, ["pm@example.nhs.uk"], cc=["cc@example.nhs.uk"],
                 headers={"Message-ID": MESSAGE_ID}),
    EmailMessage("Subject", "Body", None, ["pm@example.nhs.uk"]),  # Django makes up its Message-ID
], ids=["long-text-line", "long-html-line", "long-subject", "non-ascii-subject", "two-spaces", "non-ascii-to", "cc",
        "no-message-id"])
def test_it_leaves_any_other_email_to_the_standard_library(email):
    assert mime.smtp_bytes(email, boundary=f"=_{uuid.uuid4().hex}", date=formatdate()) is None


def test_it_leaves_an_email_with_attachments_or_another_boundary_to_the_standard_library():
    with_file = _email()
    with_file.attach("minutes.txt", "Minutes", "text/plain")
    assert mime.smtp_bytes(with_file, boundary=f"=_{uuid.uuid4().hex}", date=formatdate()) is None
    assert mime.smtp_bytes(_email(), boundary="short", date=formatdate()) is None
    two = EmailMultiAlternatives("Subject", "Body", None, ["pm@example.nhs.uk"],
                                 headers={"Message-ID": MESSAGE_ID})
    two.attach_alternative("<p>one</p>", "text/html")
    two.attach_alternative("<p>two</p>", "text/html")
    assert mime.smtp_bytes(two, boundary=f"=_{uuid.uuid4().hex}", date=formatdate()) is None
