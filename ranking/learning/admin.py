"""Admin entries of learning from users; the runs list leads to the "Learn from users" page."""

from django.contrib import admin
from django.shortcuts import redirect

from ranking.learning.models import Activation, TrainingRun


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Runs are started, followed and compared on the staff page; the admin list sends there."""

    list_display = ["name", "kind", "method", "status", "created_at", "finished_at"]
    readonly_fields = [f.name for f in TrainingRun._meta.fields]

    def changelist_view(self, request, extra_context=None):
        return redirect("learning-page")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Activation)
class ActivationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "__str__", "user"]
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
