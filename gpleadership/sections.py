"""The digest's and the dashboard's sections, read from each app's selectors.

Each section is a dict: a heading, a plain-words lead, and items (text, optional url, optional tag).
"""


def for_digest(*, user, since, is_group: bool) -> list[dict]:
    return []


def for_dashboard(*, today) -> list[dict]:
    return []
