"""The demo's two-stage call: 40 letters of intent, 15 invited, their full proposals carried."""

import random

import pytest

from grappe.demo.calls import _programme
from grappe.demo.hearings import seed_stage2_hearings
from grappe.demo.people import seed_people
from grappe.demo.stages import STAGE1_CODE, STAGE2_CODE, seed_stages
from grappe.hearings.models import Hearing
from grappe.partners.forms import detect_language
from grappe.stages.models import RedressRequest, StageDecision, TwoStageCall
from grappe.submissions.models import Proposal

pytestmark = pytest.mark.django_db


def test_seed_stages_invites_fifteen_of_forty():
    seed_people(random.Random(7), partner_count=5, people_count=80)
    programme = _programme(random.Random(1))

    assert seed_stages(random.Random(18), programme) == {"letters": 40, "invited": 15}

    link = TwoStageCall.objects.get(stage1__code=STAGE1_CODE, stage2__code=STAGE2_CODE)
    assert link.runs.count() == 1
    decisions = StageDecision.objects.filter(proposal__call=link.stage1)
    assert decisions.count() == 40 and decisions.filter(invited=True).count() == 15
    assert not any(d.departs for d in decisions)
    assert Proposal.objects.filter(call=link.stage2, state="draft").count() == 15
    # The demo applicant's letter is invited and its full proposal carries its summary.
    mine = decisions.get(proposal__lead__email__startswith="applicant@")
    assert mine.invited and mine.full_proposal.answers.get().value.startswith("A research and training chair")
    assert RedressRequest.objects.count() == 1
    assert detect_language(RedressRequest.objects.get().grounds) == "fr"  # the applicant writes in French
    assert seed_stages(random.Random(18), programme) == {"letters": 0, "invited": 0}

    # Five hearings on the full-proposal stage: the invited teams best ranked at stage 1.
    assert seed_stage2_hearings(link.stage2) == {"hearings": 5}
    heard = set(Hearing.objects.filter(call=link.stage2, starts_at__isnull=False).values_list("proposal", flat=True))
    best = [d.full_proposal_id for d in decisions.filter(invited=True)]
    order = [c["code"] for c in link.runs.get().inputs]
    best.sort(key=lambda pk: order.index(decisions.get(full_proposal_id=pk).proposal.code))
    assert heard == set(best[:5])
    assert mine.full_proposal_id in heard  # the demo applicant finds its hearing
    assert seed_stage2_hearings(link.stage2) == {"hearings": 0}
