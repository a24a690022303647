"""The matchmaking index is review's affinity split in two: same ranking, explanations alike."""

import numpy as np
from scipy.stats import spearmanr

from grappe.engine.affinity import compute_affinity
from grappe.engine.matching import AffinityIndex, ndcg_at_k, ranked
from grappe.engine.types import Document, Profile

TOPICS = {
    "vision": ["image segmentation", "object detection", "convolutional networks", "medical imaging"],
    "nlp": ["language models", "machine translation", "named entities", "text classification"],
    "graphs": ["graph neural networks", "molecules", "link prediction", "knowledge graphs"],
    "rl": ["reinforcement learning", "robotics", "policy gradient", "control"],
}


def corpus():
    rng = np.random.default_rng(3)
    names = sorted(TOPICS)
    profiles = []
    for i in range(60):
        topic = names[i % 4]
        docs = tuple(
            Document(f"{i}-{j}", " ".join(rng.choice(TOPICS[topic], 2)) + f" study {j}", year=2015 + j)
            for j in range(3)
        )
        profiles.append(Profile(f"r{i}", (TOPICS[topic][i % 4],), docs))
    return profiles


def test_index_ranks_like_compute_affinity():
    profiles = corpus()
    query = [Document("q", "Segmentation of medical imaging with convolutional networks")]
    direct = compute_affinity(query, profiles).scores[:, 0]
    indexed = AffinityIndex.build(profiles).query(query).scores[:, 0]
    assert spearmanr(direct, indexed).statistic > 0.95
    assert set(np.argsort(-direct)[:10]) == set(np.argsort(-indexed)[:10])


def test_ranked_explains_and_scores_known_answers():
    profiles = corpus()
    result = AffinityIndex.build(profiles).query([Document("q", "graph neural networks for molecules")])
    matches = ranked(result, limit=10)
    assert all(int(profiles[m.profile].id[1:]) % 4 == 0 for m in matches)  # the "graphs" researchers (sorted first)
    assert matches[0].terms and matches[0].document_id
    relevant = {p.id: 1.0 for i, p in enumerate(profiles) if i % 4 == 0}
    assert ndcg_at_k([profiles[m.profile].id for m in matches], relevant) == 1.0


def test_empty_inputs():
    index = AffinityIndex.build([Profile("a"), Profile("b")])
    result = index.query([Document("q", "")])
    assert result.scores.shape == (2, 1) and not result.scores.any()
    assert ranked(result) == []
