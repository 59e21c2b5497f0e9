from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # Before the admin's own routes, which would take any admin/<app>/ path.
    path("admin/learn/", include("ranking.learning.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("ranking.api.urls")),
    path("", include("ranking.urls")),
]
