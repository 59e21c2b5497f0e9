from django.urls import path
from django.views.generic import TemplateView

# Placeholder home page until the web app lands.
urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="ranking-home"),
]
