"""The forum and meeting pages' breadcrumbs are drawn in Python (representation_rows.representation_crumbs); the
template, templates/representation/includes/crumbs.html, stays as the reference."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test import RequestFactory

FORUM = SimpleNamespace(pk=7, name="Estates <board> & \"partners\"")
MEETING = SimpleNamespace(pk=12, held_on=date(2026, 7, 2))


@pytest.mark.parametrize(("forum", "meeting"), [(None, None), (FORUM, None), (FORUM, MEETING), (None, MEETING)])
def test_the_breadcrumbs_are_what_their_template_wrote(forum, meeting):
    request = RequestFactory().get("/")
    context = {"forum": forum, "meeting": meeting}
    engine = engines["django"]
    written = engine.from_string("{% load representation_rows %}{% representation_crumbs forum meeting %}").render(
        context, request)
    reference = engine.from_string('{% include "representation/includes/crumbs.html" %}').render(context, request)
    assert written == reference
    assert written.count("<li ") == 1 + bool(forum) + bool(meeting)
    if forum:
        assert "Estates &lt;board&gt; &amp; &quot;partners&quot;" in written
    if meeting:
        assert "Meeting on 2 Jul 2026" in written
