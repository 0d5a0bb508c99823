"""Every select is drawn by one widget template with its options written in Python (issue 12): what it draws must
be what Django's own select draws, escaped, with the chosen option selected, groups and disabled options kept."""

from django import forms

from gpleadership.forms import NHSFormRenderer


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
