"""The second step of logging in: a code from an authenticator app, or enrolling one."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .. import two_factor
from ..forms import TwoFactorCodeForm
from ..permissions import AuthenticatedRequest


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _locked_out(request: HttpRequest) -> HttpResponse:
    """Logs out and shows django-axes' lockout page, as five wrong passwords would."""
    request.axes_locked_out = True  # type: ignore[attr-defined]  # django-axes' own flag
    logout(request)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=settings.AXES_HTTP_RESPONSE_CODE)


def two_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    if request.user.is_verified() or not two_factor.has_device(request.user):
        # Verified already, or the authenticator was reset since the password was given.
        step = two_factor.NOTHING if request.user.is_verified() else two_factor.owed(request.user)
        request.session[two_factor.SESSION_KEY] = step
        return redirect(f"two_factor_{step}" if step else _next_url(request))
    if two_factor.is_locked(request):
        return _locked_out(request)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.two_factor_verify(request=request, code=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        if two_factor.is_locked(request):
            return _locked_out(request)
        form.add_error("code", _("This code is wrong or was already used. Try the next one."))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "registration/two_factor_verify.html", context)


def two_factor_setup(request: AuthenticatedRequest) -> HttpResponse:
    if two_factor.has_device(request.user):
        if request.user.is_verified():
            messages.info(request, _("Two-factor login is already on for your account."))
            return redirect("tracking:profile")
        return redirect("two_factor_verify")
    if two_factor.is_locked(request):
        return _locked_out(request)
    device = two_factor.pending_device(request.user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.two_factor_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            context: dict[str, object] = {"codes": codes, "next": _next_url(request)}
            return render(request, "registration/two_factor_recovery_codes.html", context)
        if two_factor.is_locked(request):
            return _locked_out(request)
        form.add_error("code", _("This code is wrong. Check the clock of your phone and retry."))
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret(device),
    }
    return render(request, "registration/two_factor_setup.html", context)
