"""E-mail: the profile page where users choose what they receive, and chasing a participant."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from .. import notices, permissions, services, two_factor
from ..forms import ApiTokenForm, ProfileForm
from ..permissions import AuthenticatedRequest


@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("tracking:profile")
    return render(request, "tracking/profile.html", profile_context(request, form))


def profile_context(request: AuthenticatedRequest, form: ProfileForm, **extra) -> dict:
    """What the profile page shows besides its form: two-factor login and the API tokens."""
    return {
        "form": form,
        "two_factor_on": two_factor.has_device(request.user),
        "tokens": request.user.api_tokens.filter(revoked_at__isnull=True),
        "token_form": ApiTokenForm(),
        **extra,
    }


@require_POST
def participant_chase(request: AuthenticatedRequest, cycle_pk: int, code: str) -> HttpResponse:
    cycle, participant = permissions.get_chase_target(request.user, cycle_pk, code)
    try:
        services.participant_chase(cycle=cycle, participant=participant, user=request.user)
    except services.ChaseRefused as refused:
        messages.error(request, str(refused))
    else:
        count = notices.chase_recipients(participant).count()
        values = {"participant": participant, "count": count}
        if count:
            message = ngettext(
                "%(participant)s was chased: %(count)d person gets an e-mail.",
                "%(participant)s was chased: %(count)d people get an e-mail.",
                count,
            )
            messages.success(request, message % values)
        else:
            messages.warning(
                request,
                _(
                    "%(participant)s was chased, but none of its focal points and coordinators "
                    "has an e-mail address and accepts reminders: nobody gets an e-mail."
                )
                % values,
            )
    return redirect(f"{reverse('tracking:completeness')}?cycle={cycle.pk}")
