import numpy as np
import pytest

from grappe.engine.affinity import STOP_WORDS, compute_affinity, tfidf_affinity, top_k_per_proposal
from grappe.engine.text import clean_text
from grappe.engine.types import Document, Profile

PROPOSALS = [
    Document("p-nlp", "Large language models for French legal documents", "We adapt language models to legal French."),
    Document("p-vision", "Segmentation of medical images", "Deep networks segment tumours in MRI scans."),
    Document("p-robot", "Motion planning for mobile robots", "Sampling-based planners for robots in warehouses."),
]
REVIEWERS = [
    Profile("r-nlp", ("natural language processing",), (Document("d1", "Language models for legal text", year=2024),)),
    Profile(
        "r-vision", ("medical imaging",), (Document("d2", "MRI tumour segmentation with deep networks", year=2023),)
    ),
    Profile(
        "r-robot",
        ("robotics",),
        (
            Document("d3", "Motion planning for warehouse robots", year=2015),
            Document("d4", "Planners for mobile robots", year=2022),
        ),
    ),
]


@pytest.mark.parametrize("aggregate", ["max", "mean_top_k", "recency"])
def test_each_proposal_ranks_its_expert_first(aggregate):
    result = tfidf_affinity(PROPOSALS, REVIEWERS, aggregate=aggregate)

    assert result.scores.shape == (3, 3)
    assert ((result.scores >= 0) & (result.scores <= 1)).all()
    assert [int(np.argmax(result.scores[:, p])) for p in range(3)] == [0, 1, 2]


def test_scores_are_deterministic():
    first = tfidf_affinity(PROPOSALS, REVIEWERS).scores
    second = tfidf_affinity(PROPOSALS, REVIEWERS).scores

    assert np.array_equal(first, second)


def test_explanation_names_shared_terms_and_the_closest_publication():
    # Keywords count as a document: "medical imaging" is then this expert's closest one.
    vision = Profile("r-vision", (), (Document("d0", "Protein folding", year=2020), REVIEWERS[1].documents[0]))
    result = tfidf_affinity(PROPOSALS, [REVIEWERS[0], vision, REVIEWERS[2]])

    why = result.explain(1, 1)

    assert why.document_id == "d2"
    assert why.document_title == "MRI tumour segmentation with deep networks"
    assert {"segmentation", "mri"} <= set(why.terms)
    assert why.score == pytest.approx(float(result.scores[1, 1]))


def test_recency_discounts_old_publications():
    old = [Profile("r", (), (Document("d", "Motion planning for warehouse robots", year=2000),))]
    new = [Profile("r", (), (Document("d", "Motion planning for warehouse robots", year=2024),))]

    discounted = tfidf_affinity(PROPOSALS, old, aggregate="recency", reference_year=2024, half_life_years=8).scores
    kept = tfidf_affinity(PROPOSALS, new, aggregate="recency", reference_year=2024, half_life_years=8).scores

    assert discounted[0, 2] == pytest.approx(kept[0, 2] / 8)


def test_reviewer_without_documents_scores_zero():
    result = tfidf_affinity(PROPOSALS, [Profile("empty")])

    assert result.scores.tolist() == [[0.0, 0.0, 0.0]]
    assert result.explain(0, 0).document_id is None


def test_top_k_per_proposal():
    scores = np.array([[0.1, 0.9], [0.5, 0.2], [0.3, 0.4]])

    triples = top_k_per_proposal(scores, 2)

    assert sorted(triples) == sorted([(1, 0, 0.5), (2, 0, 0.3), (0, 1, 0.9), (2, 1, 0.4)])


def test_explain_many_agrees_with_explain():
    result = tfidf_affinity(PROPOSALS, REVIEWERS)
    pairs = [(r, p) for r in range(len(REVIEWERS)) for p in range(len(PROPOSALS))]
    assert result.explain_many(pairs) == [result.explain(r, p) for r, p in pairs]
    assert result.explain_many([]) == []


def test_markup_is_not_text():
    # A JATS abstract once ranked first for an expert on the words "inline, formula, tex, math".
    jats = Document(
        "p1",
        "Sparse recovery",
        "<jats:p>We bound <inline-formula><tex-math>$\\ell_1$</tex-math></inline-formula> recovery.</jats:p>",
    )
    plain = Document("p2", "Sparse recovery", "We bound l1 recovery with random matrices.")
    typesetter = Profile("r1", documents=(Document("d", "Inline formula layout in TeX math typesetting"),))

    result = compute_affinity([jats, plain], [typesetter])

    assert result.scores[0, 0] == 0.0
    assert clean_text(jats.abstract) == "We bound ℓ_1 recovery."


def test_latex_escapes_are_decoded_before_scoring():
    latex = Document("p1", "Caf\\'{e} culture and na\\\"ive models of the Fran\\c{c}ais market")
    unicode = Document("p2", "Café culture and naïve models of the Français market")
    reviewer = Profile("r1", documents=(Document("d", "Naïve models of café culture"),))

    result = compute_affinity([latex, unicode], [reviewer])

    assert result.scores[0, 0] == pytest.approx(result.scores[0, 1])
    assert clean_text(latex.title) == unicode.title
    assert clean_text("50% of R&D, \\% kept") == "50% of R&D, % kept"


def test_explanations_show_topics_not_stop_word_phrases():
    proposal = Document("p1", "An application to graph neural networks", "We address these issues for molecules.")
    reviewer = Profile(
        "r1", documents=(Document("d", "Application to graph neural networks", "Address these issues in molecules"),)
    )

    terms = compute_affinity([proposal], [reviewer]).explain(0, 0, n_terms=10).terms

    assert "graph neural" in terms and "molecules" in terms
    assert not [t for t in terms if set(t.split()) & STOP_WORDS]
    assert not {"application to", "these issues", "address these"} & set(terms)


@pytest.mark.parametrize("aggregate", ["softmax", "max", "mean_top_k", "recency"])
def test_scores_computed_by_blocks_equal_one_block(monkeypatch, aggregate):
    from grappe.engine import affinity

    whole = compute_affinity(PROPOSALS, REVIEWERS, aggregate=aggregate).scores
    monkeypatch.setattr(affinity, "BLOCK_ENTRIES", 2)  # one proposal at a time
    blocked = compute_affinity(PROPOSALS, REVIEWERS, aggregate=aggregate).scores

    assert np.allclose(whole, blocked, atol=1e-12)


def test_softmax_is_the_smooth_maximum_of_discounted_similarities():
    result = compute_affinity(PROPOSALS, REVIEWERS[2:], reference_year=2022, half_life_years=4, temperature=0.2)
    similarities = result._vectors.block(slice(None), slice(None))  # documents × proposals, discounted
    expected = 0.2 * np.log(np.exp(similarities / 0.2).mean(axis=0))

    assert np.allclose(result.scores[0], np.clip(expected, 0, 1))


def test_stems_match_word_forms_and_explanations_show_the_words_as_written():
    proposal = Document("p1", "Optimizing neural networks", "Stochastic optimization of deep networks.")
    reviewer = Profile("r1", documents=(Document("d", "Optimization of a deep network"),))
    unrelated = Profile("r2", documents=(Document("e", "Medieval trade routes"),))

    result = compute_affinity([proposal], [reviewer, unrelated])
    terms = result.explain(0, 0, n_terms=10).terms

    assert result.scores[0, 0] > 0.3 and result.scores[1, 0] == 0.0
    assert {"optimizing", "networks", "deep networks"} <= set(terms)  # as the proposal writes them
    assert "optim" not in terms and "network" not in terms
    assert compute_affinity([proposal], [reviewer], stemming=False).scores[0, 0] < result.scores[0, 0]
