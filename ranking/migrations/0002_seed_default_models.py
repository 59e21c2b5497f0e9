from django.db import migrations

from ranking.seed import seed_defaults


def seed(apps, schema_editor):
    seed_defaults(apps.get_model("ranking", "LLMConfig"), apps.get_model("ranking", "ScorerVersion"))


class Migration(migrations.Migration):
    dependencies = [("ranking", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
