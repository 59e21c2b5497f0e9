"""REST endpoints: jobs, diagrams, ratings and diagram downloads.

Every object is fetched through `ranking.access`, so another user's job or
diagram is a 404 on every path. Views stay thin: rules live in
`ranking.services` and on the models.
"""

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import ThrottledTokenAuthentication
from ranking import revisions, services
from ranking.access import get_diagram_for_user, get_job_for_user
from ranking.api.serializers import (
    DiagramSerializer,
    JobCreateSerializer,
    JobDetailSerializer,
    JobSerializer,
    RatingSerializer,
)
from ranking.diagrams import export_drawio, export_mermaid, nodelist, render
from ranking.models import Diagram, Job, Rating
from ranking.plan_check import PlanInvalid, check_plan


class OwnDataMixin:
    # Token first so an anonymous request gets 401 with `WWW-Authenticate:
    # Token` rather than a bare 403; a browser still signs in by session.
    authentication_classes = [ThrottledTokenAuthentication, SessionAuthentication]
    # The query parameters a view reads; any other is a 400 naming it (a
    # misspelt filter must not silently return everything). None: unchecked.
    known_query_params: tuple[str, ...] | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: anonymous is 401
        if self.known_query_params is not None:
            unknown = sorted(set(request.query_params) - {"format", *self.known_query_params})
            if unknown:
                raise ValidationError({name: ["Unknown query parameter."] for name in unknown})


class JobListCreate(OwnDataMixin, generics.ListAPIView):
    """List the user's jobs, newest first; POST starts a new one."""

    known_query_params = ("page",)

    serializer_class = JobSerializer

    def get_queryset(self):
        return Job.objects.for_user(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(
        request=JobCreateSerializer,
        responses={
            201: JobDetailSerializer,
            400: OpenApiResponse(description="Field errors"),
            429: OpenApiResponse(description="Too many jobs in flight"),
        },
    )
    def post(self, request):
        """Queue a job; 429 when the user already has MAX_JOBS_IN_FLIGHT jobs in flight."""
        request_data = JobCreateSerializer(data=request.data)
        request_data.is_valid(raise_exception=True)
        try:
            job = services.submit_job(request.user, **request_data.validated_data)
        except services.JobLimitExceeded as exc:
            return Response(
                {"detail": str(exc), "code": "too_many_jobs", "limit": exc.limit},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        body = JobDetailSerializer(job).data
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/jobs/{job.pk}/"},
        )


class JobDetail(OwnDataMixin, generics.RetrieveAPIView):
    """One of the user's jobs with its progress and ranked diagrams."""

    known_query_params = ()

    serializer_class = JobDetailSerializer

    def get_object(self):
        return get_job_for_user(self.request.user, self.kwargs["pk"])


def _flag(value: str | None, name: str) -> bool | None:
    """Return a query flag as a bool, None when absent; 400 for anything unreadable."""
    if value in (None, ""):
        return None
    lowered = value.lower()
    if lowered in {"1", "true", "yes"}:
        return True
    if lowered in {"0", "false", "no"}:
        return False
    raise ValidationError({name: ["Use true or false."]})


@extend_schema(
    parameters=[
        OpenApiParameter("rated", OpenApiTypes.BOOL, description="Only rated (true) or unrated."),
        OpenApiParameter("min_score", OpenApiTypes.FLOAT, description="Final score at least."),
        OpenApiParameter("job", OpenApiTypes.INT, description="Only this job's diagrams."),
    ]
)
class DiagramList(OwnDataMixin, generics.ListAPIView):
    """The user's diagrams, newest first, filterable by rated/unrated, score and job."""

    known_query_params = ("page", "rated", "min_score", "job")

    serializer_class = DiagramSerializer

    def get_queryset(self):
        user = self.request.user
        params = self.request.query_params
        diagrams = Diagram.objects.visible_to(user)
        rated = _flag(params.get("rated"), "rated")
        if rated is True:
            diagrams = Diagram.objects.rated_by(user)
        elif rated is False:
            diagrams = Diagram.objects.unrated_by(user)
        if params.get("min_score", "") != "":
            try:
                min_score = float(params["min_score"])
            except ValueError as exc:
                raise ValidationError({"min_score": ["Use a number from 0 to 10."]}) from exc
            diagrams = diagrams.filter(final_score__gte=min_score)
        if params.get("job", "") != "":
            try:
                diagrams = diagrams.filter(job_id=int(params["job"]))
            except ValueError as exc:
                raise ValidationError({"job": ["Use a job id."]}) from exc
        return (
            diagrams.select_related("job")
            .prefetch_related("ratings")
            .order_by("-created_at", "-job_id", "rank")
        )


class DiagramDetail(OwnDataMixin, generics.RetrieveAPIView):
    """One of the user's diagrams."""

    known_query_params = ()

    serializer_class = DiagramSerializer

    def get_object(self):
        return get_diagram_for_user(self.request.user, self.kwargs["pk"])


class DiagramRating(OwnDataMixin, APIView):
    """The user's 0-5 rating of one of their diagrams: read, set (PUT) or clear (DELETE)."""

    serializer_class = RatingSerializer

    def _rating(self, diagram):
        return Rating.objects.filter(user=self.request.user, diagram=diagram).first()

    @extend_schema(responses={200: RatingSerializer, 404: OpenApiResponse(description="Not rated")})
    def get(self, request, pk):
        """Return the rating, or 404 when the diagram is not rated yet."""
        rating = self._rating(get_diagram_for_user(request.user, pk))
        if rating is None:
            raise Http404("Not rated yet.")
        return Response(RatingSerializer(rating).data)

    @extend_schema(request=RatingSerializer, responses={200: RatingSerializer})
    def put(self, request, pk):
        """Set or change the rating."""
        diagram = get_diagram_for_user(request.user, pk)
        given = RatingSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        rating = services.rate_diagram(request.user, diagram, given.validated_data["score"])
        return Response(RatingSerializer(rating).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        """Clear the rating (204 whether or not there was one)."""
        services.clear_rating(request.user, get_diagram_for_user(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def export_body(diagram: Diagram, kind: str) -> bytes:
    """Return a stored diagram in one of the download formats."""
    if kind == "nodelist":
        return diagram.node_list.encode()
    drawn = nodelist.parse(diagram.node_list).diagram
    if kind == "svg":
        return render.render_svg(drawn).encode()
    if kind == "png":
        return render.png_bytes(drawn)
    if kind == "mermaid":
        title = f"DiagramSite diagram {diagram.pk}: {diagram.job.prompt[:100]}"
        return export_mermaid.to_mermaid(drawn, title=title).encode()
    return export_drawio.to_drawio(drawn, name=f"DiagramSite diagram {diagram.pk}").encode()


class DiagramDownload(OwnDataMixin, APIView):
    """A diagram as SVG, PNG, node list, Mermaid or draw.io; `?download=1` saves it as a file.

    draw.io XML is always a download (a browser shows XML as a tree, not a diagram).
    """

    kind = "svg"
    kinds = {
        "svg": ("image/svg+xml", "svg"),
        "png": ("image/png", "png"),
        "nodelist": ("text/plain; charset=utf-8", "txt"),
        "mermaid": ("text/plain; charset=utf-8", "mmd"),
        "drawio": ("application/xml", "drawio"),
    }

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        diagram = get_diagram_for_user(request.user, pk)
        content_type, extension = self.kinds[self.kind]
        body = export_body(diagram, self.kind)
        response = HttpResponse(body, content_type=content_type)
        download = _flag(request.query_params.get("download"), "download")
        disposition = "attachment" if download or self.kind == "drawio" else "inline"
        response["Content-Disposition"] = (
            f'{disposition}; filename="diagram-{diagram.pk}.{extension}"'
        )
        # A stored diagram never changes; let the browser keep it (but only for this user).
        response["Cache-Control"] = "private, max-age=86400"
        return response


def _plan_errors(exc: PlanInvalid) -> Response:
    return Response({"plan": exc.errors}, status=status.HTTP_400_BAD_REQUEST)


def _plan_of(request):
    return request.data.get("plan") if hasattr(request.data, "get") else None


class PlanPreview(OwnDataMixin, APIView):
    """Lay out and draw a plan without storing anything (the editor's live preview)."""

    @extend_schema(
        request={
            "application/json": {"type": "object", "properties": {"plan": {"type": "string"}}}
        },
        responses={
            200: OpenApiResponse(description='{"node_list": "...", "svg": "<svg ..."}'),
            400: OpenApiResponse(description='{"plan": [{"line": 3, "message": "..."}]}'),
        },
    )
    def post(self, request):
        try:
            checked = check_plan(_plan_of(request))
        except PlanInvalid as exc:
            return _plan_errors(exc)
        return Response({"node_list": checked.node_list, "svg": checked.svg()})


class DiagramRevisions(OwnDataMixin, APIView):
    """POST a corrected plan of one of the user's diagrams: a new, scored diagram (its revision)."""

    @extend_schema(
        request={
            "application/json": {"type": "object", "properties": {"plan": {"type": "string"}}}
        },
        responses={
            201: DiagramSerializer,
            400: OpenApiResponse(description='{"plan": [{"line": 3, "message": "..."}]}'),
            404: OpenApiResponse(description="Not one of the user's diagrams"),
            503: OpenApiResponse(description="No scorer is active"),
        },
    )
    def post(self, request, pk):
        source = get_diagram_for_user(request.user, pk)
        try:
            revision = revisions.create_revision(request.user, source, _plan_of(request))
        except PlanInvalid as exc:
            return _plan_errors(exc)
        except revisions.NoScorer as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        body = DiagramSerializer(revision).data
        location = reverse("ranking-api-diagram-detail", args=[revision.pk])
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})
