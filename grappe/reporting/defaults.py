"""The default catalogue: the indicators of DOMAIN.md §1.2 that Grappe computes from its records.

(code, computation, French name, English name, French definition, English definition, public).
The names are stored on each programme's indicators (FR and EN): the office edits them there.
"""

from __future__ import annotations

DEFAULT_INDICATORS: list[tuple[str, str, str, str, str, str, bool]] = [
    (
        "TRA-1",
        "people_trained",
        "Personnes formées à l'IA",
        "People trained in AI",
        "Personnes ayant terminé une formation comptée « formé » dans l'année (une fois par personne).",
        "People who completed a training counted as trained in the year (each person once).",
        True,
    ),
    (
        "TRA-2",
        "people_aware",
        "Personnes sensibilisées à l'IA",
        "People made aware of AI",
        "Personnes sensibilisées dans l'année et non formées dans l'année (une fois par personne).",
        "People made aware in the year and not trained in it (each person once).",
        True,
    ),
    (
        "RES-1",
        "phd_funded",
        "Doctorants financés",
        "PhD students funded",
        "Doctorants rattachés à un projet financé ouvert dans l'année.",
        "PhD students linked to a funded project opened in the year.",
        True,
    ),
    (
        "RES-2",
        "postdocs_funded",
        "Post-doctorants financés",
        "Postdocs funded",
        "Post-doctorants rattachés à un projet financé ouvert dans l'année.",
        "Postdocs linked to a funded project opened in the year.",
        True,
    ),
    (
        "RES-3",
        "outputs_publication",
        "Publications",
        "Publications",
        "Publications déclarées dans les rapports acceptés des projets financés pour l'année.",
        "Publications declared in the accepted reports of the funded projects for the year.",
        True,
    ),
    (
        "RES-4",
        "projects_opened",
        "Projets financés",
        "Funded projects",
        "Projets ouverts à partir d'un financement dans l'année.",
        "Projects opened from an award in the year.",
        True,
    ),
    (
        "CAL-1",
        "proposals_submitted",
        "Propositions déposées",
        "Proposals submitted",
        "Propositions déposées aux appels du programme (hors retirées).",
        "Proposals submitted to the programme's calls (withdrawn ones excluded).",
        False,
    ),
    (
        "CAL-2",
        "proposals_funded",
        "Propositions financées",
        "Proposals funded",
        "Financements engagés dans l'année.",
        "Awards committed in the year.",
        False,
    ),
    (
        "INN-1",
        "partners_active",
        "Partenaires industriels",
        "Industrial partners",
        "Partenaires industriels membres du cluster au cours de l'année.",
        "Industrial partners that were members of the cluster during the year.",
        True,
    ),
    (
        "INN-2",
        "partners_new",
        "Nouveaux partenaires industriels",
        "New industrial partners",
        "Partenaires industriels entrés dans l'année.",
        "Industrial partners that joined in the year.",
        True,
    ),
    (
        "INN-3",
        "outputs_startup",
        "Start-up créées",
        "Start-ups created",
        "Start-up déclarées dans les rapports acceptés des projets financés.",
        "Start-ups declared in the accepted reports of the funded projects.",
        True,
    ),
    (
        "INN-4",
        "outputs_patent",
        "Brevets",
        "Patents",
        "Brevets déclarés dans les rapports acceptés des projets financés.",
        "Patents declared in the accepted reports of the funded projects.",
        True,
    ),
    (
        "FIN-1",
        "amount_committed",
        "Montants engagés",
        "Money committed",
        "Somme des financements engagés (EUR).",
        "Sum of the awards committed (EUR).",
        False,
    ),
    (
        "FIN-2",
        "amount_paid",
        "Montants versés",
        "Money paid",
        "Versements effectués aux projets (EUR).",
        "Instalments paid to the projects (EUR).",
        False,
    ),
    (
        "FIN-3",
        "amount_spent",
        "Dépenses acceptées",
        "Money spent",
        "Relevés de dépenses acceptés par le bureau (EUR).",
        "Expense statements accepted by the office (EUR).",
        False,
    ),
    (
        "FIN-4",
        "cofunding_realised",
        "Cofinancements réalisés",
        "Co-funding realised",
        "Apports des partenaires (numéraire et nature) reçus ou valorisés (EUR).",
        "Partners' contributions (cash and in kind) received or valued (EUR).",
        False,
    ),
    (
        "FIN-5",
        "leverage",
        "Effet de levier",
        "Leverage",
        "Cofinancements réalisés par euro engagé par le cluster sur la même période.",
        "Co-funding realised per euro committed by the cluster over the same period.",
        True,
    ),
]

UNITS = {
    "people_trained": "people",
    "people_aware": "people",
    "phd_funded": "people",
    "postdocs_funded": "people",
    "amount_committed": "eur",
    "amount_paid": "eur",
    "amount_spent": "eur",
    "cofunding_realised": "eur",
    "leverage": "ratio",
}


def default_rows(existing: set[str]) -> list[dict[str, object]]:
    """The fields of each default indicator whose code is not in ``existing`` (for the service
    and for the data migration, which has only historical models)."""
    return [
        {
            "code": code,
            "computation": computation,
            "name_fr": name_fr,
            "name_en": name_en,
            "definition_fr": def_fr,
            "definition_en": def_en,
            "unit": UNITS.get(computation, "count"),
            "method": "computed",
            "is_public": public,
            "position": position * 10,
        }
        for position, (code, computation, name_fr, name_en, def_fr, def_en, public) in enumerate(DEFAULT_INDICATORS)
        if code not in existing
    ]
