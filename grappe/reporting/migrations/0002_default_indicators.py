"""Give the programmes that exist the default indicator catalogue (new ones get it when created)."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from grappe.reporting.defaults import default_rows

    Programme = apps.get_model("programmes", "Programme")
    Indicator = apps.get_model("reporting", "Indicator")
    for programme in Programme.objects.all():
        existing = set(Indicator.objects.filter(programme=programme).values_list("code", flat=True))
        Indicator.objects.bulk_create([Indicator(programme=programme, **row) for row in default_rows(existing)])


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_indicators_reports"), ("programmes", "0002_anr_cost_categories")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
