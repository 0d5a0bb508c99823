"""What the pages that add papers share (members.papers): each app's view fetches the owner with its getter, then
hands the form here."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from . import papers
from .forms import add_service_errors


def paper_form_done(request, form, *, add, done_url):
    """Add the paper the form describes with `add(**cleaned_data)` (a service) and go to `done_url` saying so; or
    None, the form carrying the problems, for the caller to show its page again (status 400)."""
    if not form.is_valid():
        return None
    try:
        paper = add(**form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        form.ask_for_file_again()
        return None
    messages.success(request, papers.added_message(paper))
    return redirect(done_url)
