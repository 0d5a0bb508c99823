"""Each rule in one place: a message that tells a person why something was refused is written in one module only.

A rule and its message live in a service; forms check the shape of what was typed, and views show what the
service says. A message written again in a form or a view is a second copy of the rule, and the two drift apart.
This test reads the source with `ast` (nothing is imported or run) and fails, naming both modules, when the same
message is written in two.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["members", "decisions", "priorities", "representation", "gpleadership"]

# A rule message is a sentence: long enough to say something, with spaces, ending as a sentence does. Labels,
# choices and template names are short or unpunctuated, so they are not counted.
MIN_LENGTH = 12
SENTENCE_ENDINGS = (".", "?", "!")


def _modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _text(node: ast.AST) -> str | None:
    """A string as written: an f-string's placeholders become {} so that f"… {name} …" matches wherever it is."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def _is_message(text: str) -> bool:
    text = " ".join(text.split())
    return len(text) >= MIN_LENGTH and " " in text and text.endswith(SENTENCE_ENDINGS)


def messages_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    # The pieces of an f-string are read as part of the whole f-string, not on their own.
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        text = _text(node)
        if text is not None and _is_message(text):
            found.add(" ".join(text.split()))
    return found


def test_it_finds_the_messages_services_write():
    assert "This seat is retired." in messages_in(ROOT / "members" / "services.py")
    assert "Only a voting contact of {} can cast its ballot." in messages_in(ROOT / "priorities" / "services.py")


def test_it_leaves_docstrings_out():
    assert not any(text.startswith("Writes for the members app.") for text in
                   messages_in(ROOT / "members" / "services.py"))


def test_no_rule_message_is_written_in_two_modules():
    where = defaultdict(set)
    for path in _modules():
        for text in messages_in(path):
            where[text].add(str(path.relative_to(ROOT)))
    repeated = {text: sorted(paths) for text, paths in where.items() if len(paths) > 1}
    assert not repeated, "Each message belongs to one module (the service that owns the rule):\n" + "\n".join(
        f"  {text!r} in {', '.join(paths)}" for text, paths in sorted(repeated.items())
    )


def test_a_field_needed_with_a_choice_is_not_labelled_optional(db):
    from django.template.loader import render_to_string

    from decisions.forms import PositionForm
    from representation.forms import TriageForm

    position, triage = PositionForm(), TriageForm()
    for form, name in [(position, "stand_aside_reason"), (position, "block_reason"), (triage, "redirected_to"),
                       (triage, "outcome_reason")]:
        html = render_to_string("includes/field.html", {"field": form[name]})
        assert form[name].label in html and "(optional)" not in html, name
    # A field that really is optional still says so.
    assert "(optional)" in render_to_string("includes/field.html", {"field": position["block_principle"]})
