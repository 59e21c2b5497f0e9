"""Websocket URL routes."""

from django.urls import path

from ranking.consumers import JobConsumer

websocket_urlpatterns = [
    path("ws/jobs/<int:job_id>/", JobConsumer.as_asgi(), name="ranking-ws-job"),
]
