"""The matchmaking choices made before privacy kept them (partners' MatchingConsent) join the
history of consents, so each person's list is complete (docs/decisions/0011-matchmaking-consent.md)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Consent = apps.get_model("privacy", "Consent")
    MatchingConsent = apps.get_model("partners", "MatchingConsent")
    have = set(Consent.objects.filter(kind="matchmaking").values_list("person_id", flat=True))
    rows = []
    for consent in MatchingConsent.objects.exclude(person_id__in=have).exclude(consented_at=None):
        version = consent.text_version or "before-2026-11-26"
        rows.append(Consent(person_id=consent.person_id, kind="matchmaking", given=True, text_version=version))
        if not consent.opted_in:
            rows.append(Consent(person_id=consent.person_id, kind="matchmaking", given=False, text_version=version))
    Consent.objects.bulk_create(rows)
    # recorded_at is auto_now_add: set it to the dates partners kept.
    for consent in MatchingConsent.objects.exclude(person_id__in=have).exclude(consented_at=None):
        given = Consent.objects.filter(person_id=consent.person_id, kind="matchmaking", given=True)
        given.update(recorded_at=consent.consented_at)
        if consent.withdrawn_at:
            Consent.objects.filter(person_id=consent.person_id, kind="matchmaking", given=False).update(
                recorded_at=consent.withdrawn_at
            )


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_consents"),
        ("partners", "0002_challenge_close_index_consent_version"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
