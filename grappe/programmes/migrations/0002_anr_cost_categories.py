from django.db import migrations

# ANR "Règlement financier" categories since 2017 (DOMAIN.md R2.3), frozen here as they were.
CATEGORIES = [
    ("personnel", "Frais de personnel", "Staff costs"),
    ("equipment", "Instruments, matériel et consommables", "Instruments, equipment and consumables"),
    ("buildings", "Bâtiments et terrains", "Buildings and land"),
    ("services", "Prestations de service et droits de propriété intellectuelle", "Services and intellectual property"),
    ("general", "Frais généraux (missions, fonctionnement)", "General costs (travel, running costs)"),
]


def create(apps, schema_editor):
    CostCategory = apps.get_model("programmes", "CostCategory")
    for position, (code, fr, en) in enumerate(CATEGORIES):
        CostCategory.objects.get_or_create(code=code, defaults={"label_fr": fr, "label_en": en, "position": position})


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
