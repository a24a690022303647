"""The default indicators say which business date counts a record in a year (decision, start,
statement period, payment, receipt): a stored definition still the old default text gets the new
one; a definition the office rewrote is left alone."""

from django.db import migrations

OLD = {
    "RES-1": (
        "Doctorants rattachés à un projet financé ouvert dans l'année.",
        "PhD students linked to a funded project opened in the year.",
    ),
    "RES-2": (
        "Post-doctorants rattachés à un projet financé ouvert dans l'année.",
        "Postdocs linked to a funded project opened in the year.",
    ),
    "RES-4": (
        "Projets ouverts à partir d'un financement dans l'année.",
        "Projects opened from an award in the year.",
    ),
    "CAL-2": ("Financements engagés dans l'année.", "Awards committed in the year."),
    "FIN-1": ("Somme des financements engagés (EUR).", "Sum of the awards committed (EUR)."),
    "FIN-2": ("Versements effectués aux projets (EUR).", "Instalments paid to the projects (EUR)."),
    "FIN-3": (
        "Relevés de dépenses acceptés par le bureau (EUR).",
        "Expense statements accepted by the office (EUR).",
    ),
    "FIN-4": (
        "Apports des partenaires (numéraire et nature) reçus ou valorisés (EUR).",
        "Partners' contributions (cash and in kind) received or valued (EUR).",
    ),
}


def forwards(apps, schema_editor):
    from grappe.reporting.defaults import DEFAULT_INDICATORS

    Indicator = apps.get_model("reporting", "Indicator")
    new = {row[0]: (row[4], row[5]) for row in DEFAULT_INDICATORS}
    for code, (old_fr, old_en) in OLD.items():
        new_fr, new_en = new[code]
        Indicator.objects.filter(code=code, definition_fr=old_fr).update(definition_fr=new_fr)
        Indicator.objects.filter(code=code, definition_en=old_en).update(definition_en=new_en)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0004_manual_value_versions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
