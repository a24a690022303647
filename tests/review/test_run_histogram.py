"""The run page's affinity histogram is scaled to the data, not to [0, 1]."""

import re

from django.urls import reverse

from grappe.engine.assignment import affinity_histogram
from grappe.review.models import EngineRun, RunKind, RunState


def _bars(content):
    return re.findall(r'<th scope="row" class="nowrap">([^<]+)</th>', content.decode())


def test_real_affinities_spread_over_the_bins():
    # 1,304 of 1,389 real pairs fell in the first tenth of [0, 1]; over their own range they spread.
    values = [0.02] * 50 + [0.05] * 40 + [0.08] * 30 + [0.27]
    edges, counts = affinity_histogram(values)

    assert edges[0] == 0.02 and edges[-1] == 0.27
    assert sum(counts) == len(values)
    assert max(counts) < len(values) / 2


def test_run_page_shows_bins_over_the_data(as_persona, review_call, office):
    edges, counts = affinity_histogram([0.02, 0.05, 0.05, 0.27], bins=5)
    run = EngineRun.objects.create(
        call=review_call,
        kind=RunKind.ASSIGNMENT,
        state=RunState.DONE,
        created_by=office,
        statistics={"histogram": counts, "histogram_edges": edges},
    )
    legacy = EngineRun.objects.create(
        call=review_call,
        kind=RunKind.ASSIGNMENT,
        state=RunState.DONE,
        created_by=office,
        statistics={"histogram": [3, 0, 0, 0, 0, 0, 0, 0, 0, 1]},
    )
    client = as_persona("office")

    bars = _bars(client.get(reverse("review:run", args=[run.pk])).content)
    old = _bars(client.get(reverse("review:run", args=[legacy.pk])).content)

    assert bars[0].split() == ["0.02", "–", "0.07"] and bars[-1].split() == ["0.22", "–", "0.27"]
    assert old[0].split() == ["0.00", "–", "0.10"] and len(old) == 10
