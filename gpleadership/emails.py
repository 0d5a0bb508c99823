"""The weekly digest email, built when it is sent (members.outbox)."""

import uuid
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.translation import get_language

from members import outbox
from members.models import OutboxEmail, User
from members.rows import text as escape

DIGEST = "gpleadership.digest"


def digest_key(*, week: date, recipient_id: int, place_id: int) -> str:
    """One digest per person, week and place: a person on two places' groups reads each place's own."""
    return f"{DIGEST}:{week.isoformat()}:{place_id}:{recipient_id}"


def _since(week: date):
    return timezone.make_aware(datetime.combine(week - timedelta(days=7), time.min))


def digest_message(*, recipient: User, week: date, shared: bool = False, test_to: User | None = None,
                   content: dict | None = None, drawn: dict | None = None, html: bool = True):
    """One person's digest for the week, as it is sent: the weekly send (`shared`: the place's part may come from
    the cache; `content`: read ahead for a batch by read_digests; `drawn`: the sections already drawn for the
    batch's other readers), the chair's preview, and a test sent to the chair (`test_to`), whose subject says it is
    a test and whose person it shows. `html=False`: without its HTML part (the preview page shows the text, and
    its frame the HTML, drawn for the frame)."""
    from .digest import digest_content

    context = dict(content) if content is not None else digest_content(user=recipient, since=_since(week),
                                                                         shared=shared)
    context["week_starting"] = week
    subject = f"Weekly digest, week of {week:%-d %B %Y}"
    if test_to is not None:
        subject = f"Test: {subject}, as {recipient.get_full_name() or recipient.email} will read it"
    drawn = {} if drawn is None else drawn
    return outbox.message(
        subject=subject,
        body=digest_text(context, _drawn(context, "txt", drawn)),
        html=digest_html(context, _drawn(context, "html", drawn)) if html else "",
        to=[(test_to or recipient).email],
    )


# The digest is drawn in Python, not through the template language: the weekly send draws it for every reader
# (issue 12). Its templates (templates/gpleadership/email/digest*.txt|html) stay as the reference:
# tests/gpleadership/test_digest_drawing.py requires the same text and HTML from both, for sections of every shape.


@lru_cache(maxsize=16)
def _week_label(week: date, language: str | None = None) -> str:
    # As the template's date filter writes it; once a week, not once a reader (it cost a third of a millisecond).
    return date_filter(week, "j F Y")


def _week_label_now(week: date) -> str:
    return _week_label(week, get_language())


def digest_text(context: dict, sections: list[str]) -> str:
    """The plain-text digest around its drawn sections (digest.txt)."""
    news = "".join(sections) or (
        "\nNothing new this week: no decisions were published and nothing is waiting for your practice.\n")
    return (f"Dear {context['recipient'].get_short_name()},\n\n"
            f"This is the GP leadership group's weekly digest for the week of "
            f"{_week_label_now(context['week_starting'])}.\n{news}\n"
            "You get this email because you are on the leadership group or asked for the digest for your "
            "organisation.\nTo stop it, ask the group's gatekeeper.\n\n")


def digest_html(context: dict, sections: list[str]) -> str:
    """The HTML digest around its drawn sections (digest.html)."""
    news = "".join(sections) or (
        "\n<p>Nothing new this week: no decisions were published and nothing is waiting for your practice.</p>\n")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head><meta charset="utf-8"><title>Weekly digest</title></head>\n'
        '<body style="font-family: Arial, sans-serif; color: #212b32; line-height: 1.5;">\n'
        f"<p>Dear {escape(context['recipient'].get_short_name())},</p>\n"
        "<p>This is the GP leadership group's weekly digest for the week of "
        f"{escape(_week_label_now(context['week_starting']))}.</p>\n{news}\n"
        '<p style="font-size: 14px; color: #4c6272;">You get this email because you are on the leadership group or '
        "asked for the digest for your organisation. To stop it, ask the group's gatekeeper.</p>\n"
        "</body>\n</html>\n")


def section_text(section: dict, site_url: str) -> str:
    """One section of the plain-text digest (digest_section.txt)."""
    out = [f"\n{str(section['heading']).upper()}\n"]
    if section.get("lead"):
        out.append(f"{section['lead']}\n")
    for item in section["items"]:
        out.append(f"- {item.get('text', '')}")
        if item.get("tag"):
            out.append(f" [{item['tag']}]")
        if item.get("url"):
            out.append(f"\n  {site_url}{item['url']}")
        for link in item.get("links") or ():
            out.append(f"\n  {link['text']}: {link['url']}")
        out.append("\n")
    return "".join(out)


def section_html(section: dict, site_url: str) -> str:
    """One section of the HTML digest (digest_section.html)."""
    out = [f'\n<h2 style="font-size: 20px;">{escape(section["heading"])}</h2>\n']
    if section.get("lead"):
        out.append(f"<p>{escape(section['lead'])}</p>")
    out.append("\n<ul>")
    for item in section["items"]:
        text = escape(item.get("text", ""))
        if item.get("url"):
            out.append(f'<li><a href="{escape(site_url)}{escape(item["url"])}">{text}</a>')
        else:
            out.append(f"<li>{text}")
        if item.get("tag"):
            out.append(f" <strong>({escape(item['tag'])})</strong>")
        if item.get("links"):
            out.append("<br>" + " · ".join(f'<a href="{escape(link["url"])}">{escape(link["text"])}</a>'
                                            for link in item["links"]))
        out.append("</li>")
    out.append("</ul>\n")
    return "".join(out)


SECTION_DRAWERS = {"txt": section_text, "html": section_html}


def _drawn(context: dict, kind: str, drawn: dict) -> list[str]:
    """Each section drawn as text or HTML, once for all the readers of a batch who read it word for word (the
    place's news, without anyone's own links): the weekly send spends its time drawing, not reading."""
    sections = []
    for section in context["sections"]:
        key = (kind, section["heading"], section["lead"], tuple(
            (item.get("text"), item.get("url"), item.get("tag"),
             tuple((link["text"], link["url"]) for link in item.get("links", [])))
            for item in section["items"]))
        if key not in drawn:
            drawn[key] = SECTION_DRAWERS[kind](section, context["site_url"])
        sections.append(drawn[key])
    return sections


@outbox.builder(DIGEST, label="Weekly digest")
def digest(email: OutboxEmail):
    read = getattr(email, "read_ahead", None)  # what read_digests found for a batch
    recipient = read["recipient"] if read else User.objects.get(pk=email.params["recipient"])
    if not recipient.is_active:
        raise outbox.Skip("the account is no longer active")
    week = date.fromisoformat(email.params["week"])
    if timezone.localdate() - week >= timedelta(days=7):
        raise outbox.Skip("a digest for a week that is over is news no longer")
    return digest_message(recipient=recipient, week=week, shared=True, content=read["content"] if read else None,
                          drawn=read["drawn"] if read else None)


@outbox.batch_reader(DIGEST)
def read_digests(emails: list[OutboxEmail]) -> None:
    """Read a batch of digests' content at once (gpleadership.digest.digest_contents) and leave each row's on it as
    `read_ahead` for the builder. A row whose reader is gone or inactive is left to the builder, which says why."""
    from .digest import digest_contents

    people = User.objects.in_bulk([email.params["recipient"] for email in emails])
    by_week: dict[str, list[OutboxEmail]] = {}
    for email in emails:
        recipient = people.get(email.params["recipient"])
        if recipient is not None and recipient.is_active:
            by_week.setdefault(email.params["week"], []).append(email)
    drawn: dict = {}  # the sections drawn for this batch's readers (digest_message)
    for week, rows in by_week.items():
        readers = list({people[email.params["recipient"]].pk: people[email.params["recipient"]] for email in rows}
                       .values())
        contents = digest_contents(users=readers, since=_since(date.fromisoformat(week)), shared=True)
        for email in rows:
            recipient = people[email.params["recipient"]]
            email.read_ahead = {"recipient": recipient, "content": contents[recipient.pk], "drawn": drawn}


DIGEST_TEST = "gpleadership.digest_test"


def digest_test_key() -> str:
    # Every press sends a test: the chair may want to see it again after changing something.
    return f"{DIGEST_TEST}:{uuid.uuid4().hex}"


@outbox.builder(DIGEST_TEST, label="Test of the weekly digest")
def digest_test(email: OutboxEmail):
    """One person's digest, sent to the chair who asked for a test of it (and to nobody else)."""
    recipient = User.objects.get(pk=email.params["recipient"])
    test_to = User.objects.filter(pk=email.params["to"], is_active=True).first()
    if test_to is None:
        raise outbox.Skip("the person who asked for the test has left")
    return digest_message(recipient=recipient, week=date.fromisoformat(email.params["week"]), test_to=test_to)
