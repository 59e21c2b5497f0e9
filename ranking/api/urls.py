"""REST API routes, mounted under /api/.

DRF authenticates these itself and answers 401/403 in JSON, so they are
exempt from LoginRequiredMiddleware (which would redirect to the login page).
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from ranking.api import views


def api(view_class, **initkwargs):
    """Return a DRF view function that LoginRequiredMiddleware leaves to DRF."""
    return login_not_required(view_class.as_view(**initkwargs))


urlpatterns = [
    path("jobs/", api(views.JobListCreate), name="ranking-api-jobs"),
    path("jobs/<int:pk>/", api(views.JobDetail), name="ranking-api-job-detail"),
    path("diagrams/", api(views.DiagramList), name="ranking-api-diagrams"),
    path("diagrams/<int:pk>/", api(views.DiagramDetail), name="ranking-api-diagram-detail"),
    path("diagrams/<int:pk>/rating/", api(views.DiagramRating), name="ranking-api-diagram-rating"),
    path(
        "diagrams/<int:pk>/svg/",
        api(views.DiagramDownload, kind="svg"),
        name="ranking-api-diagram-svg",
    ),
    path(
        "diagrams/<int:pk>/png/",
        api(views.DiagramDownload, kind="png"),
        name="ranking-api-diagram-png",
    ),
    path(
        "diagrams/<int:pk>/nodelist/",
        api(views.DiagramDownload, kind="nodelist"),
        name="ranking-api-diagram-nodelist",
    ),
    path(
        "diagrams/<int:pk>/mermaid/",
        api(views.DiagramDownload, kind="mermaid"),
        name="ranking-api-diagram-mermaid",
    ),
    path(
        "diagrams/<int:pk>/drawio/",
        api(views.DiagramDownload, kind="drawio"),
        name="ranking-api-diagram-drawio",
    ),
    path(
        "diagrams/<int:pk>/revisions/",
        api(views.DiagramRevisions),
        name="ranking-api-diagram-revisions",
    ),
    path("preview/", api(views.PlanPreview), name="ranking-api-preview"),
    path(
        "schema/",
        api(SpectacularAPIView, permission_classes=[AllowAny]),
        name="ranking-api-schema",
    ),
]
