"""A bilingual synthetic corpus with known answers, to measure how well affinity ranks reviewers.

Six research topics of three subtopics each; every subtopic has a handful of key phrases in
English and their French translations. A text is drawn from a subtopic: sentences built from
templates, filled with that subtopic's phrases (mostly), a sibling subtopic's (sometimes) and
generic research vocabulary (always), so that neighbouring subtopics overlap as real fields do.

Reviewers have a current subtopic; their recent publications are drawn from it. A quarter of
them changed field: their older publications (10 to 20 years old) come from another topic.
Proposals are drawn from a subtopic, in French or in English; publications are mostly English.

The known answer: a reviewer is worth 3 to a proposal of their current subtopic, 1 to a proposal
of a sibling subtopic of their current topic, 0 otherwise (a field left long ago does not count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grappe.engine.types import Document, Profile

TOPICS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "vision": {
        "medical imaging": [
            ("tumour segmentation in MRI scans", "segmentation de tumeurs en IRM"),
            ("chest X-ray diagnosis", "diagnostic sur radiographies thoraciques"),
            ("histopathology slide analysis", "analyse de lames d'histopathologie"),
            ("medical image registration", "recalage d'images médicales"),
            ("radiology report generation", "génération de comptes rendus de radiologie"),
            ("computer-aided detection of lesions", "détection assistée de lésions"),
        ],
        "video understanding": [
            ("action recognition in videos", "reconnaissance d'actions dans les vidéos"),
            ("temporal localisation of events", "localisation temporelle d'événements"),
            ("video object tracking", "suivi d'objets dans la vidéo"),
            ("optical flow estimation", "estimation du flot optique"),
            ("video captioning", "description automatique de vidéos"),
            ("surveillance footage analysis", "analyse d'images de vidéosurveillance"),
        ],
        "3d vision": [
            ("point cloud classification", "classification de nuages de points"),
            ("neural radiance fields", "champs de radiance neuronaux"),
            ("monocular depth estimation", "estimation de profondeur monoculaire"),
            ("3D scene reconstruction", "reconstruction de scènes 3D"),
            ("lidar perception for vehicles", "perception lidar pour véhicules"),
            ("multi-view stereo matching", "appariement stéréo multivue"),
        ],
    },
    "language": {
        "machine translation": [
            ("neural machine translation", "traduction automatique neuronale"),
            ("low-resource languages", "langues peu dotées"),
            ("translation quality estimation", "estimation de la qualité de traduction"),
            ("multilingual sentence alignment", "alignement multilingue de phrases"),
            ("speech-to-speech translation", "traduction de parole à parole"),
            ("terminology in specialised translation", "terminologie en traduction spécialisée"),
        ],
        "large language models": [
            ("instruction tuning of language models", "ajustement par instructions des modèles de langue"),
            ("hallucination detection", "détection des hallucinations"),
            ("retrieval-augmented generation", "génération augmentée par la recherche"),
            ("alignment from human feedback", "alignement par retour humain"),
            ("evaluation benchmarks for chatbots", "bancs d'évaluation pour agents conversationnels"),
            ("efficient inference of transformers", "inférence efficace des transformeurs"),
        ],
        "legal text processing": [
            ("court decision analysis", "analyse des décisions de justice"),
            ("contract clause extraction", "extraction de clauses contractuelles"),
            ("legal question answering", "questions-réponses juridiques"),
            ("case law retrieval", "recherche de jurisprudence"),
            ("summarisation of legislation", "résumé automatique de textes législatifs"),
            ("anonymisation of judgments", "anonymisation des jugements"),
        ],
    },
    "robotics": {
        "manipulation": [
            ("robotic grasping of objects", "préhension robotique d'objets"),
            ("dexterous manipulation", "manipulation dextre"),
            ("tactile sensing", "perception tactile"),
            ("learning from demonstration", "apprentissage par démonstration"),
            ("pick and place in warehouses", "prélèvement et dépose en entrepôt"),
            ("deformable object handling", "manipulation d'objets déformables"),
        ],
        "autonomous navigation": [
            ("simultaneous localisation and mapping", "localisation et cartographie simultanées"),
            ("path planning for mobile robots", "planification de trajectoire pour robots mobiles"),
            ("obstacle avoidance", "évitement d'obstacles"),
            ("drone navigation", "navigation de drones"),
            ("outdoor terrain traversability", "traversabilité de terrains extérieurs"),
            ("multi-robot coordination", "coordination multi-robots"),
        ],
        "human-robot interaction": [
            ("collaborative robots in factories", "robots collaboratifs en usine"),
            ("safety of physical interaction", "sécurité de l'interaction physique"),
            ("social robots for elderly care", "robots sociaux pour les personnes âgées"),
            ("gesture recognition for robot control", "reconnaissance de gestes pour commander un robot"),
            ("trust in robotic assistants", "confiance envers les assistants robotiques"),
            ("exoskeletons for rehabilitation", "exosquelettes pour la rééducation"),
        ],
    },
    "health": {
        "genomics": [
            ("genome-wide association studies", "études d'association pangénomiques"),
            ("single-cell RNA sequencing", "séquençage d'ARN en cellule unique"),
            ("variant calling", "détection de variants génétiques"),
            ("gene regulatory networks", "réseaux de régulation génique"),
            ("protein structure prediction", "prédiction de structure des protéines"),
            ("cancer genomics", "génomique du cancer"),
        ],
        "clinical decision support": [
            ("sepsis prediction in intensive care", "prédiction du sepsis en réanimation"),
            ("electronic health records", "dossiers médicaux électroniques"),
            ("treatment recommendation", "recommandation de traitement"),
            ("clinical trial emulation", "émulation d'essais cliniques"),
            ("survival analysis of patients", "analyse de survie des patients"),
            ("triage in emergency departments", "triage aux urgences"),
        ],
        "epidemiology": [
            ("epidemic forecasting", "prévision des épidémies"),
            ("contact tracing", "traçage des contacts"),
            ("vaccination coverage", "couverture vaccinale"),
            ("air pollution and mortality", "pollution de l'air et mortalité"),
            ("disease surveillance from social media", "surveillance des maladies par les réseaux sociaux"),
            ("transmission models of influenza", "modèles de transmission de la grippe"),
        ],
    },
    "climate": {
        "energy systems": [
            ("electricity demand forecasting", "prévision de la demande d'électricité"),
            ("smart grid optimisation", "optimisation des réseaux électriques intelligents"),
            ("battery state of health", "état de santé des batteries"),
            ("wind power prediction", "prévision de la production éolienne"),
            ("building energy efficiency", "efficacité énergétique des bâtiments"),
            ("charging of electric vehicles", "recharge des véhicules électriques"),
        ],
        "earth observation": [
            ("satellite image classification", "classification d'images satellitaires"),
            ("deforestation monitoring", "suivi de la déforestation"),
            ("crop yield estimation", "estimation des rendements agricoles"),
            ("flood mapping from radar", "cartographie des inondations par radar"),
            ("urban heat islands", "îlots de chaleur urbains"),
            ("sea ice detection", "détection de la banquise"),
        ],
        "climate modelling": [
            ("emulation of climate models", "émulation des modèles climatiques"),
            ("downscaling of precipitation", "descente d'échelle des précipitations"),
            ("extreme weather events", "événements météorologiques extrêmes"),
            ("ocean circulation", "circulation océanique"),
            ("carbon cycle", "cycle du carbone"),
            ("weather forecasting with neural networks", "prévision météorologique par réseaux de neurones"),
        ],
    },
    "society": {
        "fairness": [
            ("algorithmic bias", "biais algorithmiques"),
            ("fairness in credit scoring", "équité de l'évaluation du crédit"),
            ("discrimination in hiring algorithms", "discrimination dans les algorithmes de recrutement"),
            ("demographic parity", "parité démographique"),
            ("auditing of automated decisions", "audit des décisions automatisées"),
            ("explainability for affected people", "explicabilité pour les personnes concernées"),
        ],
        "privacy": [
            ("differential privacy", "confidentialité différentielle"),
            ("federated learning", "apprentissage fédéré"),
            ("membership inference attacks", "attaques par inférence d'appartenance"),
            ("synthetic data generation", "génération de données synthétiques"),
            ("data protection compliance", "conformité à la protection des données"),
            ("homomorphic encryption", "chiffrement homomorphe"),
        ],
        "education": [
            ("intelligent tutoring systems", "tuteurs intelligents"),
            ("automatic essay scoring", "notation automatique des copies"),
            ("learning analytics", "analyse de l'apprentissage"),
            ("dropout prediction of students", "prédiction du décrochage des étudiants"),
            ("adaptive exercises", "exercices adaptatifs"),
            ("teachers' use of generative tools", "usage des outils génératifs par les enseignants"),
        ],
    },
}

GENERIC = [
    ("a novel framework", "un nouveau cadre"),
    ("large datasets", "de grands jeux de données"),
    ("deep learning", "l'apprentissage profond"),
    ("experimental results", "des résultats expérimentaux"),
    ("state-of-the-art methods", "les méthodes de l'état de l'art"),
    ("robust evaluation", "une évaluation robuste"),
    ("open-source software", "un logiciel libre"),
    ("industrial partners", "des partenaires industriels"),
]

TEMPLATES = {
    "en": [
        "We study {a} and {b}.",
        "This work applies {g} to {a}, with {c}.",
        "Our approach to {b} relies on {g} and {a}.",
        "We combine {a} with {c} and report {g}.",
    ],
    "fr": [
        "Nous étudions {a} et {b}.",
        "Ce travail applique {g} à {a}, avec {c}.",
        "Notre approche de {b} repose sur {g} et {a}.",
        "Nous combinons {a} avec {c} et présentons {g}.",
    ],
}

SUBTOPICS = [(topic, sub) for topic, subs in TOPICS.items() for sub in subs]


@dataclass(frozen=True)
class Corpus:
    proposals: list[Document]
    reviewers: list[Profile]
    relevance: np.ndarray  # reviewer × proposal grade: 3, 1 or 0
    proposal_language: list[str]


def _text(rng: np.random.Generator, subtopic: int, language: str, sentences: int) -> str:
    topic, sub = SUBTOPICS[subtopic]
    siblings = [s for s in TOPICS[topic] if s != sub]
    column = 0 if language == "en" else 1
    own = TOPICS[topic][sub]
    parts = []
    for _ in range(sentences):
        template = TEMPLATES[language][int(rng.integers(len(TEMPLATES[language])))]
        a, b = (own[i][column] for i in rng.choice(len(own), 2, replace=False))
        sibling = TOPICS[topic][siblings[int(rng.integers(len(siblings)))]]
        c = (sibling if rng.random() < 0.3 else own)[int(rng.integers(6))][column]
        g = GENERIC[int(rng.integers(len(GENERIC)))][column]
        parts.append(template.format(a=a, b=b, c=c, g=g))
    return " ".join(parts)


def build(
    n_reviewers: int = 90,
    n_proposals: int = 72,
    *,
    french_share: float = 0.5,
    changer_share: float = 0.25,
    seed: int = 0,
    year: int = 2026,
) -> Corpus:
    rng = np.random.default_rng(seed)
    n_sub = len(SUBTOPICS)
    proposals, languages, proposal_sub = [], [], []
    for i in range(n_proposals):
        sub = i % n_sub
        language = "fr" if rng.random() < french_share else "en"
        title = _text(rng, sub, language, 1)
        proposals.append(Document(id=f"p{i}", title=title, abstract=_text(rng, sub, language, 4)))
        languages.append(language)
        proposal_sub.append(sub)
    reviewers, reviewer_sub = [], []
    for j in range(n_reviewers):
        sub = int(rng.integers(n_sub))
        documents = []
        for d in range(int(rng.integers(3, 7))):
            language = "fr" if rng.random() < 0.1 else "en"
            documents.append(
                Document(
                    id=f"r{j}-d{d}",
                    title=_text(rng, sub, language, 1),
                    abstract=_text(rng, sub, language, 3),
                    year=year - int(rng.integers(0, 6)),
                )
            )
        if rng.random() < changer_share:  # changed field: older, more numerous publications elsewhere
            topic = SUBTOPICS[sub][0]
            elsewhere = [k for k, (t, _s) in enumerate(SUBTOPICS) if t != topic]
            old = elsewhere[int(rng.integers(len(elsewhere)))]
            for d in range(int(rng.integers(5, 9))):
                documents.append(
                    Document(
                        id=f"r{j}-old{d}",
                        title=_text(rng, old, "en", 1),
                        abstract=_text(rng, old, "en", 3),
                        year=year - int(rng.integers(10, 21)),
                    )
                )
        reviewers.append(Profile(id=f"r{j}", documents=tuple(documents)))
        reviewer_sub.append(sub)
    relevance = np.zeros((n_reviewers, n_proposals))
    for j, rs in enumerate(reviewer_sub):
        for i, ps in enumerate(proposal_sub):
            if rs == ps:
                relevance[j, i] = 3
            elif SUBTOPICS[rs][0] == SUBTOPICS[ps][0]:
                relevance[j, i] = 1
    return Corpus(proposals, reviewers, relevance, languages)


def ndcg_at(scores: np.ndarray, relevance: np.ndarray, k: int = 10) -> np.ndarray:
    """NDCG@k of each proposal's ranking of reviewers (columns), ties broken by reviewer index."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    out = np.zeros(scores.shape[1])
    for p in range(scores.shape[1]):
        order = np.lexsort((np.arange(scores.shape[0]), -scores[:, p]))[:k]
        ideal = np.sort(relevance[:, p])[::-1][:k]
        best = float((ideal * discounts[: ideal.size]).sum())
        out[p] = float((relevance[order, p] * discounts[: order.size]).sum()) / best if best else 1.0
    return out


def precision_at(scores: np.ndarray, relevance: np.ndarray, k: int = 3) -> np.ndarray:
    """Share of each proposal's top-k reviewers who work on its very subtopic."""
    top = np.argsort(-scores, axis=0, kind="stable")[:k]
    return np.array([(relevance[top[:, p], p] == 3).mean() for p in range(scores.shape[1])])
