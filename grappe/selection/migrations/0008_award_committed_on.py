"""An award's business date (``committed_on``), apart from the time its row was written: the
funder's report counts a commitment in the year of its decision. Existing awards get the day they
were recorded (Europe/Paris), which is the decision's day for every award the service wrote."""

import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    Award = apps.get_model("selection", "Award")
    for award in Award.objects.only("pk", "created_at").iterator():
        Award.objects.filter(pk=award.pk).update(committed_on=timezone.localdate(award.created_at))


class Migration(migrations.Migration):
    dependencies = [
        ("selection", "0007_decision_shared_justification"),
    ]

    operations = [
        migrations.AddField(
            model_name="award",
            name="committed_on",
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name="committed on"),
        ),
        migrations.AlterField(
            model_name="award",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="recorded"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
