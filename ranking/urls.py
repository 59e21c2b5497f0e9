"""Page routes (the REST API lives under /api/, websockets in diagramsite.routing)."""

from django.urls import path

from ranking import views

urlpatterns = [
    path("", views.home, name="ranking-home"),
    path("jobs/<int:job_id>/", views.job_detail, name="ranking-job-detail"),
    path("jobs/<int:job_id>/results/", views.job_results, name="ranking-job-results"),
    path(
        "jobs/<int:job_id>/candidates/<int:index>/svg/",
        views.job_candidate_svg,
        name="ranking-job-candidate-svg",
    ),
    path("history/", views.history, name="ranking-history"),
    path("diagrams/<int:diagram_id>/", views.diagram_detail, name="ranking-diagram-detail"),
    path("diagrams/<int:diagram_id>/rate/", views.diagram_rate, name="ranking-diagram-rate"),
    path("diagrams/<int:diagram_id>/revise/", views.diagram_revise, name="ranking-diagram-revise"),
]
