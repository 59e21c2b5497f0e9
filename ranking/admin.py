"""Staff admin: register and activate models, watch jobs, see diagrams and ratings."""

import base64

from django.contrib import admin, messages
from django.utils.html import format_html

from ranking.diagrams import nodelist, render
from ranking.models import Correction, Diagram, Job, LLMConfig, Rating, ScorerVersion


@admin.action(
    description="Activate the selected one (deactivates the others)", permissions=["change"]
)
def activate(modeladmin, request, queryset):
    """Make the one selected row the active one of its kind."""
    if queryset.count() != 1:
        modeladmin.message_user(
            request, "Select exactly one to activate: only one can be active.", messages.ERROR
        )
        return
    row = queryset.get()
    row.activate()
    modeladmin.message_user(
        request, f"{row.name} is now active; the next job uses it.", messages.SUCCESS
    )


class ActivatableAdmin(admin.ModelAdmin):
    actions = [activate]
    list_filter = ["is_active"]
    readonly_fields = ["is_active", "created_at", "updated_at"]
    search_fields = ["name"]


@admin.register(LLMConfig)
class LLMConfigAdmin(ActivatableAdmin):
    list_display = ["name", "is_active", "output_format", "device", "adapter_path", "updated_at"]
    fields = [
        "name",
        "base_model",
        "adapter_path",
        "output_format",
        "generation_settings",
        "device",
        "is_active",
        "created_at",
        "updated_at",
    ]


@admin.register(ScorerVersion)
class ScorerVersionAdmin(ActivatableAdmin):
    list_display = ["name", "is_active", "readability_path", "autoencoder_path", "knn_k"]
    fields = [
        "name",
        "readability_path",
        "autoencoder_path",
        "knn_k",
        "is_active",
        "created_at",
        "updated_at",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows users and workers write; staff look, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DiagramInline(admin.TabularInline):
    model = Diagram
    fields = ["rank", "recommended", "readability", "user_score", "final_score"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "user",
        "short_prompt",
        "status",
        "stage",
        "attempts",
        "created_at",
        "duration",
        "short_error",
    ]
    list_filter = ["status", "stage", "llm_config", "scorer"]
    search_fields = ["prompt", "user__username", "error"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    inlines = [DiagramInline]

    @admin.display(description="prompt")
    def short_prompt(self, job):
        return job.prompt[:60]

    @admin.display(description="error")
    def short_error(self, job):
        return job.error[:80]

    @admin.display(description="seconds")
    def duration(self, job):
        seconds = job.duration_seconds
        return "" if seconds is None else f"{seconds:.1f}"


@admin.register(Diagram)
class DiagramAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "user",
        "job",
        "rank",
        "recommended",
        "parent",
        "readability",
        "final_score",
    ]
    # "parent: not empty" lists the users' revisions (saved from the plan editor).
    list_filter = ["recommended", ("parent", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "job__prompt"]
    list_select_related = ["user", "job"]
    exclude = ["latent"]
    readonly_fields = ["picture"]

    @admin.display(description="picture")
    def picture(self, diagram):
        # Inline as a data URI: the download URLs serve only the owner, and an
        # <img> never runs scripts an SVG might carry.
        svg = render.render_svg(nodelist.parse(diagram.node_list).diagram)
        data = base64.b64encode(svg.encode()).decode()
        return format_html(
            '<img src="data:image/svg+xml;base64,{}" width="500" alt="diagram">', data
        )


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "diagram", "score", "updated_at"]
    list_filter = ["score"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    """Users' plan edits: what the model wrote and what they saved (training data)."""

    list_display = ["id", "user", "created_at", "structure_changed", "short_prompt", "diagram"]
    list_filter = ["created_at", "structure_changed", "user"]
    search_fields = ["user__username", "prompt", "saved_plan"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = [
        "user",
        "created_at",
        "structure_changed",
        "prompt",
        "model_plan",
        "saved_plan",
        "source_diagram",
        "diagram",
    ]

    @admin.display(description="prompt")
    def short_prompt(self, correction):
        return correction.prompt[:60]
