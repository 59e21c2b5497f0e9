"""JSON shapes of jobs, diagrams and ratings, shared by the REST API and the websocket."""

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from ranking.models import MAX_COUNT, MAX_SCORE, Diagram, Job
from ranking.scoring.aesthetics import node_list_reasons
from ranking.services import job_request_errors


class JobCreateSerializer(serializers.Serializer):
    """A new job request: the rules are `services.job_request_errors`, as on the page."""

    prompt = serializers.CharField(
        allow_blank=True,
        trim_whitespace=True,
        help_text="What to draw, in English.",
    )
    count = serializers.IntegerField(
        default=5, min_value=1, max_value=MAX_COUNT, help_text="Candidates to generate."
    )
    recommend = serializers.IntegerField(
        default=3, min_value=1, max_value=MAX_COUNT, help_text="How many to recommend."
    )

    def validate(self, attrs):
        errors = job_request_errors(attrs["prompt"], attrs["count"], attrs["recommend"])
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def get_fields(self):
        fields = super().get_fields()
        # Read at request time so the schema and the limit follow the settings.
        fields[
            "prompt"
        ].help_text = f"What to draw, in English (at most {settings.MAX_PROMPT_LENGTH} characters)."
        return fields


class DiagramSerializer(serializers.ModelSerializer):
    """A ranked diagram with its scores, the owner's rating and its download links."""

    job = serializers.IntegerField(source="job_id", read_only=True)
    prompt = serializers.CharField(source="job.prompt", read_only=True)
    svg_url = serializers.CharField(read_only=True)
    png_url = serializers.CharField(read_only=True)
    nodelist_url = serializers.CharField(read_only=True)
    page_url = serializers.CharField(source="get_absolute_url", read_only=True)
    mermaid_url = serializers.SerializerMethodField()
    drawio_url = serializers.SerializerMethodField()
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    rating = serializers.SerializerMethodField()
    readability_reasons = serializers.SerializerMethodField()

    class Meta:
        model = Diagram
        fields = [
            "id",
            "job",
            "prompt",
            "rank",
            "recommended",
            "readability",
            "readability_reasons",
            "user_score",
            "final_score",
            "rating",
            "svg_url",
            "png_url",
            "nodelist_url",
            "mermaid_url",
            "drawio_url",
            "page_url",
            "parent",
            "node_list",
            "plan",
            "structure_rank",
            "created_at",
        ]
        read_only_fields = fields

    def get_mermaid_url(self, diagram) -> str:
        return reverse("ranking-api-diagram-mermaid", args=[diagram.pk])

    def get_drawio_url(self, diagram) -> str:
        return reverse("ranking-api-diagram-drawio", args=[diagram.pk])

    def get_readability_reasons(self, diagram) -> list[str]:
        """Return the two or three measured defects that cost the most, in plain words."""
        return list(node_list_reasons(diagram.node_list))

    def get_rating(self, diagram) -> int | None:
        """Return the owner's 0-5 rating, or None when not rated."""
        # Only the owner ever sees a diagram, so the owner's rating is the one.
        for rating in diagram.ratings.all():
            if rating.user_id == diagram.user_id:
                return rating.score
        return None


class JobSerializer(serializers.ModelSerializer):
    """A job's request, status and timings (no diagrams: for lists)."""

    page_url = serializers.CharField(source="get_absolute_url", read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "prompt",
            "count",
            "recommend",
            "status",
            "stage",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "page_url",
        ]
        read_only_fields = fields


class JobDetailSerializer(JobSerializer):
    """A job with its progress and its ranked diagrams: the websocket's `state` too."""

    progress = serializers.JSONField(read_only=True)
    diagrams = serializers.SerializerMethodField()
    personalised = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = JobSerializer.Meta.fields + ["progress", "personalised", "diagrams"]
        read_only_fields = fields

    def get_diagrams(self, job) -> list[dict]:
        if job.status != Job.Status.DONE:
            # Stored in the transaction that marks the job done: nothing to ask for before
            # (every websocket handshake of a running job reads this).
            return []
        diagrams = job.diagrams.select_related("job").prefetch_related("ratings").order_by("rank")
        return DiagramSerializer(diagrams, many=True).data

    def get_personalised(self, job) -> bool:
        """Return whether the ranking used the user's ratings (False: readability alone)."""
        return bool((job.progress or {}).get("personalised", False))


class RatingSerializer(serializers.Serializer):
    """A 0-5 rating; anything else (6, "abc", 2.5, true) is a 400 with a field error."""

    score = serializers.IntegerField(min_value=0, max_value=MAX_SCORE)
    diagram = serializers.IntegerField(source="diagram_id", read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        score = data.get("score")
        # DRF's IntegerField takes True as 1, "2" and "2.0" as 2; a rating is a JSON integer.
        if "score" in data and (isinstance(score, bool) or not isinstance(score, int)):
            raise serializers.ValidationError(
                {"score": ["A rating is a whole number from 0 to 5."]}
            )
        return super().to_internal_value(data)
