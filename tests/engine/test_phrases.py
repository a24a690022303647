"""Engine 0.4: phrases stay within a title, an abstract or a keyword; a single common word is never
an explanation on its own (the outside walk-through of 2026-11-26, docs/partners.md)."""

from grappe.engine.affinity import COMMON_MIN_DOCUMENTS, TermAnalyzer, compute_affinity, term_texts
from grappe.engine.matching import AffinityIndex, ranked
from grappe.engine.types import Document, Profile


def test_phrases_never_cross_from_one_keyword_to_the_next():
    document = Document("d", title="Graph learning", keywords=("deep learning", "large scale optimisation"))
    terms = TermAnalyzer()(term_texts([document])[0])
    assert "deep learn" in terms and "larg scale optimis" in terms
    assert "learn larg" not in terms and "learn deep" not in terms  # neither across keywords nor title → keyword
    # Engine 0.3's text (replayed runs) still reads across them.
    joined = TermAnalyzer()(term_texts([document], segmented=False)[0])
    assert "learn larg" in joined and "learn deep" in joined


def test_explanations_show_no_phrase_glued_across_keywords():
    challenge = Document("c", title="Vision", keywords=("deep learning", "large language models"))
    profiles = [
        Profile("glued", documents=(Document("p1", title="Deep learning large corpora of language models"),)),
        Profile("kw", keywords=("deep learning", "large language models")),
    ]
    for segmented, glued_shown in ((True, False), (False, True)):
        result = compute_affinity([challenge], profiles, segmented=segmented)
        terms = [t for e in result.explain_many([(0, 0), (1, 0)], n_terms=15) for t in e.terms]
        assert ("learning large" in terms) is glued_shown, terms
    assert result.parameters.get("phrases") is None  # segmented=False records engine 0.3's parameters
    assert compute_affinity([challenge], profiles).parameters["phrases"]


def test_a_keyword_list_is_named_as_such_in_the_explanation():
    result = compute_affinity(
        [Document("c", title="Federated learning for medical imaging")],
        [Profile("kw", keywords=("federated learning", "medical imaging"))],
    )
    explanation = result.explain(0, 0, n_terms=15)
    assert explanation.from_keywords and explanation.document_title == "federated learning, medical imaging"
    assert set(explanation.terms) >= {"federated learning", "medical imaging"}


def _many_modellers(n: int) -> list[Profile]:
    """``n`` researchers whose every publication says "models" (a common word) and one topic of its own."""
    topics = [
        *("protein folding", "river hydrology", "medieval manuscripts", "tax law", "volcanic ash", "bird migration"),
        *("urban traffic", "coral reefs", "quantum optics", "baroque music", "soil erosion", "glacier melting"),
        *("cancer immunology", "wind turbines", "ancient coins", "sleep apnea", "ocean currents", "jazz harmony"),
        *("desert ants", "lunar craters"),
    ]  # each in 5 % of the documents, "models" in all
    return [
        Profile(f"r{i}", documents=(Document(f"d{i}", title=f"Models of {topics[i % 20]} number{chr(97 + i % 26)}"),))
        for i in range(n)
    ]


def test_a_common_word_is_never_shown_alone():
    challenge = Document("c", title="Statistical models for protein folding")
    profiles = _many_modellers(COMMON_MIN_DOCUMENTS + 20)
    index = AffinityIndex.build(profiles)
    result = index.query([challenge])
    by_id = {p.id: i for i, p in enumerate(profiles)}
    folding, ash = result.explain(by_id["r0"], 0), result.explain(by_id["r4"], 0)
    assert "protein folding" in folding.terms and "models" not in folding.terms
    assert ash.terms == ()  # shares only "models": no explanation to show
    assert result.scores[by_id["r4"], 0] > 0  # the word still counts in the score
    matches = ranked(result, limit=200, explained_only=True)
    assert {profiles[m.profile].id for m in matches} == {p.id for p in profiles if "protein" in p.documents[0].title}
    # A small corpus: shares are noise, the word is shown as before.
    small = compute_affinity([challenge], profiles[:10])
    assert "models" in small.explain(4, 0).terms


def test_a_small_corpus_borrows_the_common_words_of_a_larger_one():
    """The teams' index (a few projects) cannot tell that "models" is common: the researchers' can."""
    researchers = AffinityIndex.build(_many_modellers(COMMON_MIN_DOCUMENTS + 20))
    assert "model" in researchers.common_stems and "protein" not in researchers.common_stems
    teams = AffinityIndex.build(
        [Profile("t1", documents=(Document("p1", title="Language models for industry"),))]
        + [Profile(f"t{i}", documents=(Document(f"p{i}", title=f"Project number{chr(97 + i)}"),)) for i in range(2, 6)]
    )
    challenge = Document("c", title="Diffusion models for robots")
    alone = teams.query([challenge])
    assert alone.explain(0, 0).terms == ("models",)
    borrowed = alone.also_common(researchers.common_stems)
    assert borrowed.explain(0, 0).terms == () and borrowed.scores[0, 0] == alone.scores[0, 0]
    assert ranked(borrowed, explained_only=True) == []
