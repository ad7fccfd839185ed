"""The language chooser that every page carries, the login page included."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from ..forms import LanguageForm


@login_not_required
@require_http_methods(["GET", "POST"])
def language(request: HttpRequest) -> HttpResponse:
    """Keeps the chosen language in a cookie, and on the profile of a user who is logged in,
    then goes back to the page it was chosen on. A GET (an old bookmark) only goes back."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    # A URL, never a view's name (redirect() would look one up); no control characters.
    if not back.isprintable() or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("home")
    response = HttpResponseRedirect(back)
    form = LanguageForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        code = form.cleaned_data["language"]
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            # A str in the settings' stubs; Django checks it is Lax, Strict or None.
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
        )
        if request.user.is_authenticated:
            request.user.language = code
            request.user.save(update_fields=["language"])
    return response
