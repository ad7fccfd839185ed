"""/api/v1/: the resources, the OpenAPI document and its interactive docs."""

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBase
from django.urls import path
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.routers import SimpleRouter

from . import assistance, views

app_name = "api"

# The schema is kept until its key changes with a release; the timeout only frees the memory.
SCHEMA_SECONDS = 24 * 60 * 60

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


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI document, kept in the cache as it was sent, per language and media type:
    it describes operations, never records, so it is the same for everyone, and building and
    writing it took thirty times as long as a trivial page. The cache's keys change with each
    release. A query string (`?lang=`, `?version=`) builds it as asked, as before."""

    @extend_schema(exclude=True)  # as drf-spectacular's own view: not an operation of the API
    def get(self, request: Request, *args, **kwargs) -> HttpResponseBase:
        if request.GET:
            return super().get(request, *args, **kwargs)
        key = f"openapi|{request.accepted_media_type}|{translation.get_language()}"
        kept = cache.get(key)
        if kept is not None:
            content, headers = kept
            return HttpResponse(content, headers=headers)
        response = super().get(request, *args, **kwargs)

        def keep(rendered: HttpResponse) -> None:
            cache.set(key, (rendered.content, dict(rendered.headers)), SCHEMA_SECONDS)

        response.add_post_render_callback(keep)
        return response


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the app's own static files, its start-up script a file of its own:
    the Content-Security-Policy allows neither a CDN nor inline code."""

    template_name = "api/docs.html"
    url_name = "api:schema"


urlpatterns = [
    path("openapi.json", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    *router.urls,
]

# The API answers for itself (401 with a problem document, or a token in place of a session):
# LoginRequiredMiddleware's redirect to the login page is not for it.
for pattern in urlpatterns:
    setattr(pattern.callback, "login_required", False)  # noqa: B010
