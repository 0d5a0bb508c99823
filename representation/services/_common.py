"""What the representation services of more than one section share."""


def save_changes(instance, values: dict) -> list[str]:
    """Set the values that differ and save only those, so that history records a row only for a real change."""
    changed = [field for field, value in values.items() if getattr(instance, field) != value]
    for field in changed:
        setattr(instance, field, values[field])
    if changed:
        instance.save(update_fields=changed)
    return changed
