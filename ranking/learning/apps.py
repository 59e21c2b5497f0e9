from django.apps import AppConfig


class LearningConfig(AppConfig):
    """Learning from users: training runs and activations, the staff page, the commands."""

    name = "ranking.learning"
    label = "learning"
    verbose_name = "Learning from users"
