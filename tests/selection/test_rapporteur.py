"""The rapporteur does what docs/selection.md says, no more (issue 10, defect 4)."""

import re

import pytest
from django.urls import reverse

from grappe.review import services as review
from grappe.review.models import ConflictOrigin
from grappe.selection import services
from grappe.selection.models import Consensus, ConsensusState

pytestmark = pytest.mark.django_db


def _data(proposal, value, **extra):
    return (
        {f"score_{c.pk}": value for c in proposal.call.scheme.criteria.all()} | {"applicant_comment": "Agreed."} | extra
    )


def _name_rapporteur(proposal, person, office):
    return services.save_consensus(
        proposal, _data(proposal, "4.0", rapporteur=str(person.pk)), expected_version=1, approve=False, actor=office
    )


def test_the_rapporteur_cannot_edit_an_approved_consensus(reviewed, office, reviewer, as_persona):
    proposal = reviewed[1]  # the reviewer persona reviewed it
    _name_rapporteur(proposal, reviewer.person, office)
    services.save_consensus(proposal, _data(proposal, "4.5"), expected_version=2, approve=True, actor=office)

    with pytest.raises(services.SelectionError) as exc:
        services.save_consensus(proposal, _data(proposal, "1.0"), expected_version=3, approve=False, actor=reviewer)
    page = as_persona("reviewer").post(
        reverse("selection:consensus", args=[proposal.code]), _data(proposal, "1.0", version="3", save="")
    )

    consensus = Consensus.objects.get(proposal=proposal)
    assert exc.value.messages == ["The office approved this consensus: only the office can change it now."]
    assert (consensus.state, consensus.scores, consensus.version) == (
        ConsensusState.APPROVED,
        dict.fromkeys(consensus.scores, "4.5"),
        3,
    )
    assert "only the office can change it now" in page.content.decode()
    assert 'name="save"' not in page.content.decode()


def test_the_rapporteur_cannot_approve(reviewed, office, reviewer):
    proposal = reviewed[1]
    _name_rapporteur(proposal, reviewer.person, office)

    with pytest.raises(services.SelectionError, match="Only the office approves"):
        services.save_consensus(proposal, _data(proposal, "4.5"), expected_version=2, approve=True, actor=reviewer)

    assert Consensus.objects.get(proposal=proposal).state == ConsensusState.DRAFT


def test_a_rapporteur_who_declared_a_conflict_can_no_longer_edit(reviewed, review_call, office, reviewer, as_persona):
    proposal = reviewed[1]
    _name_rapporteur(proposal, reviewer.person, office)
    review.declare_conflict(
        review_call,
        reviewer=reviewer.person,
        proposal=proposal,
        reason="My former student leads it.",
        origin=ConflictOrigin.DECLARED,
        actor=reviewer,
    )

    with pytest.raises(services.SelectionError) as exc:
        services.save_consensus(proposal, _data(proposal, "1.0"), expected_version=2, approve=False, actor=reviewer)
    page = as_persona("reviewer").get(reverse("selection:consensus", args=[proposal.code]))

    assert exc.value.messages == ["Only the office or the proposal's rapporteur drafts its consensus."]
    assert page.status_code == 404
    assert Consensus.objects.get(proposal=proposal).version == 2


def test_the_rapporteur_sees_no_other_review_before_submitting_their_own(
    reviewed, review_call, pool, office, reviewer, as_persona
):
    proposal = reviewed[0]  # reviewed by the two other experts: 4.5 and 4.0 on every criterion
    mine = review.add_assignment(review_call, reviewer=reviewer.person, proposal=proposal, reason="t", actor=office)
    _name_rapporteur(proposal, reviewer.person, office)
    client = as_persona("reviewer")
    url = reverse("selection:consensus", args=[proposal.code])

    before = client.get(url).content.decode()
    with pytest.raises(services.SelectionError) as exc:
        services.save_consensus(proposal, _data(proposal, "1.0"), expected_version=2, approve=False, actor=reviewer)
    review.save_review(
        mine,
        {f"score_{c.pk}": "3.0" for c in review_call.scheme.criteria.all()}
        | {"applicant_comment": "Mine.", "recommendation": "fund"},
        expected_version=1,
        submit=True,
        actor=reviewer,
    )
    after = client.get(url).content.decode()

    assert "Submit your own review of this proposal before drafting its consensus." in before
    assert exc.value.messages == ["Submit your own review of this proposal before drafting its consensus."]
    assert (_individual(before), "The reviews" in before, 'name="save"' in before) == ([], False, False)
    assert _individual(after)[0] == ["3", "4", "4.5"]  # read as numbers, not "3.0"
    assert ("The reviews" in after, 'name="save"' in after) == (True, True)


def _individual(page):
    """Each criterion's line of per-reviewer scores, sorted."""
    return [sorted(line.split(" · ")) for line in re.findall(r"reviews: ([^<]*?) — ", page)]
