"""Register the readability-v2 scorer (CNN ensemble within the measured aesthetics' bounds).

It becomes active where the first scorer ("default-scorer") or none was; a
version staff activated by hand stays active.
"""

from django.db import migrations

from ranking.seed import activate_default_scorer


def register(apps, schema_editor):
    activate_default_scorer(apps.get_model("ranking", "ScorerVersion"))


class Migration(migrations.Migration):
    dependencies = [("ranking", "0007_diagram_parent_correction")]

    operations = [migrations.RunPython(register, migrations.RunPython.noop)]
