"""Every select is drawn by one widget template with its options written in Python (issue 12): what it draws must
be what Django's own select draws, escaped, with the chosen option selected, groups and disabled options kept."""

import pytest
from django import forms

from gpleadership.forms import NHSFormRenderer
from members.forms import LongSelect


class _Form(forms.Form):
    default_renderer = NHSFormRenderer

    plain = forms.ChoiceField(label="Plain", choices=[("", "Choose"), ("a", "Alpha"), ("b", "B <b>&</b> \"quoted\"")])
    grouped = forms.ChoiceField(label="Grouped", choices=[("PCNs", [("1", "North PCN"), ("2", "South PCN")]),
                                                          ("3", "Not in a PCN")])
    limited = forms.ChoiceField(label="Limited", choices=[("x", "X"), ("y", "Y")],
                                widget=forms.Select(attrs={"aria-describedby": "limited-hint"}))


def test_the_chosen_option_is_selected_and_labels_are_escaped():
    html = str(_Form(data={"plain": "b", "grouped": "2", "limited": "y"})["plain"])
    assert '<select name="plain" class="nhsuk-select"' in html and 'id="id_plain"' in html
    assert '<option value="" >Choose</option>' not in html  # written tidily, as below
    assert '<option value="">Choose</option>' in html
    assert '<option value="b" selected>B &lt;b&gt;&amp;&lt;/b&gt; &quot;quoted&quot;</option>' in html
    assert html.count(" selected") == 1


def test_groups_and_attributes_are_kept():
    form = _Form(data={"plain": "a", "grouped": "2", "limited": "y"})
    grouped = str(form["grouped"])
    assert '<optgroup label="PCNs">' in grouped and "</optgroup>" in grouped
    assert '<option value="2" selected>South PCN</option>' in grouped
    assert grouped.index("</optgroup>") < grouped.index("Not in a PCN")
    assert 'aria-describedby="limited-hint"' in str(form["limited"])


def test_a_failed_submit_keeps_the_choice():
    form = _Form(data={"plain": "a", "grouped": "9", "limited": "x"})
    assert not form.is_valid()
    assert '<option value="a" selected>Alpha</option>' in str(form["plain"])


class _LongForm(forms.Form):
    default_renderer = NHSFormRenderer

    CHOICES = [("", "Nobody"), (1, "Ann <Admin> (ann@example.org)"), (2, "Bob \"B\" & co"), (3, "Cy")]
    django = forms.ChoiceField(label="Person", choices=CHOICES)
    long = forms.ChoiceField(label="Person", choices=CHOICES, widget=LongSelect)


def test_a_long_select_writes_what_the_ordinary_select_writes():
    for data in (None, {"django": "2", "long": "2"}, {"django": "", "long": ""}):
        form = _LongForm(data=data)
        assert str(form["long"]).replace("id_long", "id_django").replace('"long"', '"django"') == str(form["django"])
    chosen = str(_LongForm(data={"long": "2"})["long"])
    assert '<option value="2" selected>Bob &quot;B&quot; &amp; co</option>' in chosen


def test_long_choices_are_read_as_rows_with_the_same_labels_a_record_gives(db, testshire):
    """A place's organisations and people are offered from plain rows (issue 12: hundreds of model instances cost
    milliseconds a page); each label is what label_from_instance gives for the record, and a choice posted is still
    checked against the queryset."""
    from django.db.models.signals import pre_init
    from django.utils.html import escape

    from members.forms import SeatCandidates, SeatPeopleForm
    from members.models import Organisation, User

    from ..factories import MembershipFactory, PracticeFactory, UserFactory

    practice = PracticeFactory(name="Riverside <Surgery> & Co")
    for person in (UserFactory(full_name="", email="no.name@example.nhs.uk"),
                   UserFactory(full_name='Dr "Quoted" <Q>', email="quoted@example.nhs.uk")):
        MembershipFactory(user=person, organisation=practice)
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    pre_init.connect(count, weak=False)
    try:
        form = SeatPeopleForm(candidates=SeatCandidates())
        html = str(form["holder"])
    finally:
        pre_init.disconnect(count)
    assert [m for m in made if m in (User, Organisation)] == []
    field = form.fields["holder"]
    labels = [field.label_from_instance(user) for user in field.queryset]
    assert len(labels) == 2
    for label in labels:
        assert f">{escape(label)}</option>" in html
    assert "no.name@example.nhs.uk (no.name@example.nhs.uk)" in html
    assert not SeatPeopleForm(data={"holder": "999999"}, candidates=SeatCandidates()).is_valid()


def test_a_new_actions_people_and_decisions_are_offered_from_rows(db, testshire, chair):
    """The action form offers a place's acting people (by name) and its decisions (by title), hundreds and
    thousands at national scale, without a model instance each; a posted choice is still checked."""
    from django.db.models.signals import pre_init
    from django.utils.html import escape

    from decisions.models import DecisionItem
    from members.models import User
    from representation.forms import ActionForm

    from ..factories import DecisionItemFactory

    title = 'Winter <access> & "hubs"'
    DecisionItemFactory(title=title)
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    pre_init.connect(count, weak=False)
    try:
        form = ActionForm()
        html = str(form["owner"]) + str(form["decision"])
    finally:
        pre_init.disconnect(count)
    assert [m for m in made if m in (User, DecisionItem)] == []
    assert f">{escape(chair.get_full_name())}</option>" in html
    assert f">{escape(title)}</option>" in html
    assert ActionForm(data={"title": "T", "owner": "999999"}).errors["owner"]


@pytest.mark.parametrize("form_path,field", [("representation.forms.TriageForm", "redirected_to"),
                                             ("decisions.forms.RedirectForm", "organisation")])
def test_redirecting_offers_the_places_organisations_from_rows(db, testshire, form_path, field):
    """Triage and redirecting an item offer the place's member organisations (with hundreds of practices for triage)
    by name, from rows, and still check the one posted."""
    from importlib import import_module

    from django.db.models.signals import pre_init
    from django.utils.html import escape

    from members.models import Organisation

    from ..factories import PCNFactory, PracticeFactory

    practice = PCNFactory(name="Riverside <PCN> & Co")
    PracticeFactory(pcn=practice)
    module, name = form_path.rsplit(".", 1)
    form_class = getattr(import_module(module), name)
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    pre_init.connect(count, weak=False)
    try:
        html = str(form_class()[field])
    finally:
        pre_init.disconnect(count)
    assert Organisation not in made
    assert f'<option value="{practice.pk}">{escape(practice.name)}</option>' in html
    assert field in form_class(data={field: "999999"}).errors


def test_the_people_offered_to_several_fields_are_written_once_whatever_their_empty_choice(db, testshire):
    """The manage page's three person fields (holder and deputy: "Nobody"; a role's person: "Choose a person")
    offer the same people: each person's option is written once for the page, and every field writes what it
    writes alone."""
    from unittest import mock

    from members.forms import GroupRoleForm, SeatCandidates, SeatForm, _PersonField

    from ..factories import MembershipFactory, PracticeFactory, UserFactory

    practice = PracticeFactory(name="Riverside Surgery")
    for name in ("Ann <A>", "Bob & Co", "Cy O'Neil"):
        MembershipFactory(user=UserFactory(full_name=name), organisation=practice)
    alone = {name: str(form[name]) for form, names in (
        (SeatForm(candidates=SeatCandidates()), ("holder", "deputy")),
        (GroupRoleForm(candidates=SeatCandidates()), ("user",))) for name in names}
    candidates = SeatCandidates()
    seat_form, role_form = SeatForm(candidates=candidates), GroupRoleForm(candidates=candidates)
    with mock.patch.object(_PersonField, "label_from_values", autospec=True,
                           side_effect=_PersonField.label_from_values) as labels:
        shared = {"holder": str(seat_form["holder"]), "deputy": str(seat_form["deputy"]),
                  "user": str(role_form["user"])}
    assert shared == alone
    assert labels.call_count == len(candidates.people) == 3
    assert '<option value="" selected>Choose a person</option>\n<option value=' in shared["user"]
    assert '<option value="" selected>Nobody</option>\n<option value=' in shared["holder"]
    assert "Cy O&#x27;Neil" in shared["user"]


def test_a_choice_offered_from_prepared_rows_builds_its_queryset_only_to_check_what_is_posted(db, testshire):
    """The seat form's organisations are drawn from prepared SQL (members.forms.LongChoiceField.offer_prepared):
    drawing them builds no QuerySet (a millisecond of the manage page at national scale); checking a posted choice
    does."""
    from unittest import mock

    from members.forms import SeatCandidates, SeatForm
    from members.models import Organisation

    from ..factories import PCNFactory

    pcn = PCNFactory(name="Riverside PCN")
    built = mock.Mock(side_effect=lambda: Organisation.objects.current().exclude(kind=Organisation.Kind.PRACTICE))

    def drawn():
        form = SeatForm(candidates=SeatCandidates())
        form.fields["organisation"].offer_prepared("test.seat_form.organisations", built)
        return str(form["organisation"])

    drawn()  # compiled once (members.prepared builds it then)
    built.reset_mock()
    assert f'<option value="{pcn.pk}">Riverside PCN</option>' in drawn()
    assert built.call_count == 0
    posted = SeatForm(data={"seat-kind": "member", "seat-organisation": str(pcn.pk)}, candidates=SeatCandidates())
    posted.fields["organisation"].offer_prepared("test.seat_form.organisations", built)
    assert posted.is_valid(), posted.errors
    assert posted.cleaned_data["organisation"] == pcn and built.call_count == 1
