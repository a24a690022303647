"""Engine 0.5: French texts brought into English terms (grappe/engine/bridge.py), English ones untouched."""

import pickle
import re

import numpy as np
import pytest

from grappe.engine.affinity import TermAnalyzer, compute_affinity
from grappe.engine.bridge import TABLE, Bridge, cognate, language_of
from grappe.engine.matching import AffinityIndex, ranked
from grappe.engine.types import Document, Profile

FRENCH_CHALLENGE = Document(
    "defi",
    "Vision robotique en usine",
    abstract=(
        "Nous cherchons des équipes de recherche en vision par ordinateur pour guider des robots "
        "collaboratifs dans nos usines : détection de défauts, saisie d'objets et contrôle qualité "
        "par apprentissage profond."
    ),
    keywords=("robotique", "vision par ordinateur"),
)
ENGLISH_CHALLENGE = Document(
    "challenge",
    "Computer vision for factory robotics",
    abstract=(
        "We look for teams in computer vision to guide collaborative robots in our factories: "
        "defect detection, object grasping and quality control with deep learning."
    ),
)
VISION = Profile(
    "vision",
    ("computer vision", "robotics"),
    (
        Document(
            "v1",
            "Learning to grasp objects from images",
            abstract="We study computer vision methods for robot grasping and visual defect detection.",
            year=2024,
        ),
    ),
)
GENOMICS = Profile(
    "genomics",
    ("genomics", "bioinformatics"),
    (
        Document(
            "g1",
            "Genome sequencing at scale",
            abstract="We study sequencing of the human genome and the statistics of rare variants.",
            year=2024,
        ),
    ),
)
VISION_FR = Profile(
    "vision-fr",
    ("vision par ordinateur", "robotique"),
    (
        Document(
            "vf1",
            "Robotique collaborative et vision par ordinateur",
            abstract=(
                "Nous étudions la saisie d'objets par des robots guidés par la vision, pour la détection "
                "des défauts dans les usines."
            ),
            year=2024,
        ),
    ),
)
GENOMICS_FR = Profile(
    "genomics-fr",
    ("génomique",),
    (
        Document(
            "gf1",
            "Séquençage du génome humain",
            abstract="Nous étudions le séquençage du génome et les variants rares des maladies.",
            year=2024,
        ),
    ),
)


def test_a_french_challenge_finds_the_english_researcher_in_its_field():
    result = compute_affinity([FRENCH_CHALLENGE], [VISION, GENOMICS])
    assert result.scores[0, 0] > 0.1
    assert result.scores[0, 0] > 10 * result.scores[1, 0]
    before = compute_affinity([FRENCH_CHALLENGE], [VISION, GENOMICS], bilingual=False)
    assert before.scores[0, 0] < result.scores[0, 0] / 3  # engine 0.4: the languages barely met
    matches = ranked(result, explained_only=True, informative_only=True)
    assert [m.profile for m in matches] == [0]


def test_an_english_challenge_finds_the_french_researcher_in_its_field():
    result = compute_affinity([ENGLISH_CHALLENGE], [VISION_FR, GENOMICS_FR])
    assert result.scores[0, 0] > 0.1
    assert result.scores[1, 0] == pytest.approx(0.0, abs=0.01)
    matches = ranked(result, explained_only=True, informative_only=True)
    assert [m.profile for m in matches] == [0]
    assert "computer vision" in matches[0].terms  # shown as the (English) challenge writes it


def test_through_the_matchmaking_index_both_ways():
    index = AffinityIndex.build([VISION, GENOMICS])
    assert [index.profile_ids[m.profile] for m in ranked(index.query([FRENCH_CHALLENGE]), informative_only=True)] == [
        "vision"
    ]
    challenges = AffinityIndex.build([Profile("fr", documents=(FRENCH_CHALLENGE,)), Profile("other", ("finance",))])
    person = Document("me", "Computer vision for robots", abstract="Robot grasping and defect detection.")
    assert [m.profile for m in ranked(challenges.query([person]), informative_only=True)] == [0]


def test_explanations_show_the_french_words_as_the_challenge_writes_them():
    result = compute_affinity([FRENCH_CHALLENGE], [VISION, GENOMICS])
    terms = result.explain(0, 0, n_terms=10).terms
    assert "vision par ordinateur" in terms
    assert "robotique" in terms
    # Never an English stem nor an English word the challenge does not write.
    written = f"{FRENCH_CHALLENGE.title} {FRENCH_CHALLENGE.abstract} {' '.join(FRENCH_CHALLENGE.keywords)}".lower()
    assert all(term in written for term in terms), terms
    # One English stem of a French expression ("learn" of "apprentissage profond") never stands
    # for the whole expression.
    genomics = compute_affinity(
        [FRENCH_CHALLENGE], [Profile("stats", documents=(Document("s", "Statistical learning of genomes"),))]
    )
    assert "apprentissage profond" not in genomics.explain(0, 0).terms


def test_english_texts_score_exactly_as_engine_0_4():
    proposals = [ENGLISH_CHALLENGE, Document("p2", "Sequencing rare variants", abstract="Genome statistics at scale.")]
    now = compute_affinity(proposals, [VISION, GENOMICS])
    before = compute_affinity(proposals, [VISION, GENOMICS], bilingual=False)
    assert np.array_equal(now.scores, before.scores)
    assert now.explain(0, 0).terms == before.explain(0, 0).terms
    assert before.parameters.keys() < now.parameters.keys()  # "french" recorded only from 0.5 on


def test_the_language_of_a_text():
    words = re.compile(r"\w+").findall
    assert language_of(words("we study the grasping of objects by robots in the factory")) == "en"
    assert language_of(words("nous étudions la saisie des objets par les robots dans les usines")) == "fr"
    assert language_of(words("vision par ordinateur, robotique")) is None
    analyzer = TermAnalyzer()
    # A keyword list (language not told) still meets the table's expressions and words.
    assert "comput vision" in analyzer("vision par ordinateur\nrobotique")
    assert "robot" in analyzer("vision par ordinateur\nrobotique")


def test_cognate_endings_and_the_table():
    assert cognate("robotique") == "robotic"
    assert cognate("sécurité") == "security"
    assert cognate("génératifs") == "generative"
    assert cognate("industrielle") == "industrial"
    assert cognate("optimisation") == "optimization"
    bridge = Bridge(TABLE)
    assert bridge.word("usines", french=True) == ("factory",)
    assert bridge.word("ordinateurs", french=False) == ("computer",)
    # Each line reads as "french = english" and no two expressions collide.
    lines = [line for line in TABLE.splitlines() if line.strip() and not line.startswith("#")]
    assert all(line.count("=") == 1 for line in lines)
    assert len(bridge.expressions) + len(bridge.words) > 150


def test_an_index_stored_before_0_5_reads_texts_as_0_4_did():
    analyzer = TermAnalyzer()
    state = analyzer.__getstate__()
    del state["bilingual"]  # what an engine 0.4 pickle holds
    old = pickle.loads(pickle.dumps(analyzer))  # noqa: S301 - our own object
    old.__setstate__(state)
    assert not old.bilingual
    assert "comput vision" not in old("vision par ordinateur pour les robots dans les usines de la région")
    assert pickle.loads(pickle.dumps(analyzer)).bilingual  # noqa: S301 - our own object
