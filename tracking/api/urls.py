"""/api/v1/: the resources, the OpenAPI document and its interactive docs."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import assistance, views

app_name = "api"

router = SimpleRouter()
router.register("declarations", views.DeclarationViewSet, basename="declaration")
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("submissions", views.SubmissionViewSet, basename="submission")
router.register("actions", views.ActionViewSet, basename="action")
router.register("updates", views.UpdateViewSet, basename="update")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("reports", views.ReportViewSet, basename="report")
router.register("needs", assistance.NeedViewSet, basename="need")
router.register("offers", assistance.OfferViewSet, basename="offer")
router.register("matches", assistance.MatchViewSet, basename="match")


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the app's own static files, its start-up script a file of its own:
    the Content-Security-Policy allows neither a CDN nor inline code."""

    template_name = "api/docs.html"
    url_name = "api:schema"


urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    *router.urls,
]

# The API answers for itself (401 with a problem document, or a token in place of a session):
# LoginRequiredMiddleware's redirect to the login page is not for it.
for pattern in urlpatterns:
    setattr(pattern.callback, "login_required", False)  # noqa: B010
