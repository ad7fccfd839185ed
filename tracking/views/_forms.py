"""Form handling shared by the views of several URL groups."""

from django.http import HttpRequest

from ..versioning import EditConflict


def refused_edit(form_class, request: HttpRequest, conflict: EditConflict, **kwargs):
    """The user's entries again, now based on the current version, with what others changed."""
    data = request.POST.copy()
    data["version"] = str(conflict.current.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, conflict.message)
    return form
