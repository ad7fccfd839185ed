"""Personal API tokens on the profile page: made (the secret shown once) and revoked."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..api.authentication import token_create, token_revoke
from ..forms import ApiTokenForm, ProfileForm
from ..permissions import AuthenticatedRequest
from .notices import profile_context


@never_cache  # the page holds the secret: no copy in any cache
@require_POST
def api_token_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    extra: dict = {"token_form": form}
    if form.is_valid():
        token, secret = token_create(user=request.user, name=form.cleaned_data["name"])
        # Answered, not redirected: the secret is in this page only, never stored.
        extra = {"new_token": token, "secret": secret}
    context = profile_context(request, ProfileForm(instance=request.user), **extra)
    return render(request, "tracking/profile.html", context)


@require_POST
def api_token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if token_revoke(user=request.user, pk=pk):
        messages.success(request, _("The token was revoked: it no longer works."))
    return redirect("tracking:profile")
