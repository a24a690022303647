"""Give the programmes that exist the default indicator catalogue (new ones get it when created)."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from grappe.reporting.defaults import DEFAULT_INDICATORS, UNITS

    Programme = apps.get_model("programmes", "Programme")
    Indicator = apps.get_model("reporting", "Indicator")
    for programme in Programme.objects.all():
        existing = set(Indicator.objects.filter(programme=programme).values_list("code", flat=True))
        Indicator.objects.bulk_create(
            [
                Indicator(
                    programme=programme,
                    code=code,
                    computation=computation,
                    name_fr=name_fr,
                    name_en=name_en,
                    definition_fr=def_fr,
                    definition_en=def_en,
                    unit=UNITS.get(computation, "count"),
                    method="computed",
                    is_public=public,
                    position=position * 10,
                )
                for position, (code, computation, name_fr, name_en, def_fr, def_en, public) in enumerate(
                    DEFAULT_INDICATORS
                )
                if code not in existing
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_indicators_reports"), ("programmes", "0002_anr_cost_categories")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
