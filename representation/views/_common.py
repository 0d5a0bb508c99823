"""What the representation pages of every section share."""


def bound(form_class, request, **kwargs):
    return form_class(request.POST if request.method == "POST" else None, **kwargs)


def form_status(*forms) -> int:
    return 400 if any(f is not None and f.is_bound and f.errors for f in forms) else 200
