"""Routes of the staff "Learn from users" page (mounted under /admin/learn/)."""

from django.urls import path

from ranking.learning import views

urlpatterns = [
    path("", views.learning_page, name="learning-page"),
    path("status/", views.run_status, name="learning-status"),
    path("start/<str:kind>/", views.start_run, name="learning-start"),
    path("runs/<int:run_id>/activate/", views.activate_run, name="learning-activate"),
    path("rollback/<str:kind>/", views.roll_back, name="learning-rollback"),
]
