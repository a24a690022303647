"""Decision letters: default templates in French and English, placeholders, rendering, outbox."""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from grappe.calls.models import Call, Criterion
from grappe.core.jobs import ACTIVE, DONE, FAILED, RUNNING, claim, heartbeat, pause_point
from grappe.core.money import format_money
from grappe.core.services import log_action
from grappe.core.validation import clean_text, one_line
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.selection.models import Decision, Letter, LetterSending, LetterState, LetterTemplate, Outcome
from grappe.selection.services import criteria_of, not_ready
from grappe.submissions.models import InvitationState

PLACEHOLDERS = {
    "applicant": "the lead applicant's name",
    "proposal_title": "the proposal's title",
    "proposal_code": "the proposal's code",
    "call": "the call's title",
    "programme": "the programme's name",
    "amount": "the amount granted",
    "reserve_rank": "the rank on the reserve list",
    "scores": "the agreed score per criterion",
    "comments": "the consensus comment for the applicants",
    "office": "the sender (the site's name)",
}

DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    (Outcome.FUNDED, "fr"): (
        "{call} : votre projet {proposal_code} est financé",
        "Bonjour {applicant},\n\nNous avons le plaisir de vous annoncer que le projet « {proposal_title} » "
        "({proposal_code}) est retenu pour un financement de {amount} au titre de l'appel « {call} » du programme "
        "{programme}.\n\nÉvaluation du panel :\n{scores}\n\n{comments}\n\nLe bureau du programme reviendra vers vous "
        "pour la convention.\n\n{office}",
    ),
    (Outcome.FUNDED, "en"): (
        "{call}: your project {proposal_code} is funded",
        'Dear {applicant},\n\nWe are pleased to tell you that the project "{proposal_title}" ({proposal_code}) is '
        'selected for funding of {amount} under the call "{call}" of the programme {programme}.\n\nThe panel\'s '
        "evaluation:\n{scores}\n\n{comments}\n\nThe programme office will contact you about the grant "
        "agreement.\n\n{office}",
    ),
    (Outcome.RESERVE, "fr"): (
        "{call} : votre projet {proposal_code} est sur liste complémentaire",
        "Bonjour {applicant},\n\nLe projet « {proposal_title} » ({proposal_code}) est placé en position "
        "{reserve_rank} sur la liste complémentaire de l'appel « {call} ». Il pourra être financé si un projet retenu "
        "se désiste.\n\nÉvaluation du panel :\n{scores}\n\n{comments}\n\n{office}",
    ),
    (Outcome.RESERVE, "en"): (
        "{call}: your project {proposal_code} is on the reserve list",
        'Dear {applicant},\n\nThe project "{proposal_title}" ({proposal_code}) is number {reserve_rank} on the '
        'reserve list of the call "{call}". It may be funded if a selected project withdraws.\n\nThe panel\'s '
        "evaluation:\n{scores}\n\n{comments}\n\n{office}",
    ),
    (Outcome.REJECTED, "fr"): (
        "{call} : décision sur votre projet {proposal_code}",
        "Bonjour {applicant},\n\nNous regrettons de vous informer que le projet « {proposal_title} » "
        "({proposal_code}) n'est pas retenu au titre de l'appel « {call} ».\n\nÉvaluation du panel :\n{scores}\n\n"
        "{comments}\n\nNous espérons recevoir vos prochaines propositions.\n\n{office}",
    ),
    (Outcome.REJECTED, "en"): (
        "{call}: decision on your project {proposal_code}",
        'Dear {applicant},\n\nWe regret to tell you that the project "{proposal_title}" ({proposal_code}) is not '
        'selected under the call "{call}".\n\nThe panel\'s evaluation:\n{scores}\n\n{comments}\n\nWe hope to receive '
        "your future proposals.\n\n{office}",
    ),
}


class LetterError(ValueError):
    """A template that cannot be used; ``str()`` is translated."""


def check_template(text: str) -> None:
    """Refuse unknown placeholders and broken braces, naming them."""
    try:
        fields = [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise LetterError(_("A brace is not closed: write {{ or }} for a literal brace.")) from exc
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        raise LetterError(
            _("Unknown placeholder {%(name)s}: use %(known)s.")
            % {"name": unknown[0], "known": ", ".join("{" + p + "}" for p in PLACEHOLDERS)}
        )


def templates_for(call: Call) -> dict[tuple[str, str], LetterTemplate]:
    """The call's templates, created from the defaults the first time."""
    existing = {(t.outcome, t.language): t for t in LetterTemplate.objects.filter(call=call)}
    for (outcome, language), (subject, body) in DEFAULTS.items():
        if (outcome, language) not in existing:
            existing[(outcome, language)] = LetterTemplate.objects.create(
                call=call, outcome=outcome, language=language, subject=subject, body=body
            )
    return existing


def save_template(template: LetterTemplate, *, subject: str, body: str, actor: Any) -> LetterTemplate:
    subject = clean_text(subject, max_length=200, single_line=True, label=_("The subject"), error=LetterError)
    body = clean_text(body, max_length=20000, label=_("The letter"), error=LetterError)
    check_template(subject)
    check_template(body)
    template.subject, template.body = subject, body
    template.save()
    log_action(template.call, "selection.letter_template_saved", actor=actor, data={"template": str(template)})
    return template


def _context(decision: Decision, language: str, criteria: list[Criterion]) -> dict[str, str]:
    proposal = decision.proposal
    call = proposal.call
    consensus = getattr(proposal, "consensus", None)
    with translation.override(language):
        lines = []
        for c in criteria:
            score = consensus.scores.get(str(c.pk)) if consensus else None
            comment = consensus.comments.get(str(c.pk), "") if consensus else ""
            if score is not None:
                shown = formats.localize(Decimal(str(score)))
                lines.append(f"- {c.label} : {shown}/5" if language == "fr" else f"- {c.label}: {shown}/5")
                if comment:
                    lines[-1] += f" — {comment}"
        return {
            "applicant": proposal.lead.full_name,
            "proposal_title": proposal.title,
            "proposal_code": proposal.code,
            "call": call.title,
            "programme": call.programme.name,
            "amount": format_money(decision.amount or Decimal("0")),
            "reserve_rank": str(decision.reserve_rank or ""),
            "scores": "\n".join(lines) or "—",
            "comments": consensus.applicant_comment if consensus else "",
            "office": getattr(settings, "GRAPPE_CLUSTER_NAME", "") or settings.SITE_NAME,
        }


def refused(call: Call) -> list[tuple[Decision, list[str]]]:
    """Decisions whose letter is refused: the proposal is not ready (too few reviews, no approved
    consensus) and the office gave no override. Each with its reasons."""
    reasons = not_ready(call)
    return [
        (decision, reasons[decision.proposal_id])
        for decision in Decision.objects.filter(proposal__call=call, proposal_id__in=list(reasons), letter_override="")
        .exclude(outcome=Outcome.DECLINED)
        .select_related("proposal")
        .order_by("proposal__code")
    ]


@transaction.atomic
def override_readiness(decision: Decision, *, justification: str, actor: Any) -> Decision:
    """The office lets the letter of a proposal that is not ready go out, saying why (logged)."""
    justification = clean_text(justification, max_length=2000, label=_("The justification"), error=LetterError)
    if len(justification) < 10:
        raise LetterError(_("Say why this letter goes out without the full evaluation (10 characters at least)."))
    decision.letter_override = justification
    decision.save(update_fields=["letter_override"])
    log_action(
        decision.proposal,
        "selection.letter_override",
        actor=actor,
        data={
            "justification": decision.letter_override,
            "reasons": not_ready(decision.proposal.call).get(decision.proposal_id, []),
        },
    )
    return decision


@transaction.atomic
def prepare(call: Call, *, actor: Any) -> int:
    """Put in the outbox one letter per decided proposal without a sent letter for its current
    decision, in the lead's language; earlier unsent drafts are replaced. A proposal that is not
    ready gets no letter unless the office overrode it with a justification (``refused``).

    Idempotent under concurrency: the call's row is locked, so two clicks at once prepare one after
    the other (the second replaces the first's drafts), and a unique constraint keeps one draft
    per proposal whatever happens. Refused while the outbox is being sent.
    """
    Call.objects.select_for_update().get(pk=call.pk)
    if LetterSending.objects.filter(call=call, state__in=ACTIVE).exists():
        raise LetterError(_("The letters are being sent: prepare again once the sending has finished."))
    templates = templates_for(call)
    criteria = criteria_of(call)
    blocked = {decision.pk for decision, _reasons in refused(call)}
    decisions = (
        Decision.objects.filter(proposal__call=call)
        .exclude(outcome=Outcome.DECLINED)
        .exclude(pk__in=blocked)
        .select_related("proposal__lead", "proposal__call__programme", "proposal__consensus")
    )
    count = 0
    for decision in decisions:
        proposal = decision.proposal
        if Letter.objects.filter(
            proposal=proposal, outcome=decision.outcome, state__in=[LetterState.SENDING, LetterState.SENT]
        ).exists():
            continue
        Letter.objects.filter(proposal=proposal, state=LetterState.DRAFT).delete()
        language = proposal.lead.preferred_language if proposal.lead.preferred_language in ("fr", "en") else "fr"
        template = templates[(decision.outcome, language)]
        values = _context(decision, language, criteria)
        recipients = sorted(
            {proposal.lead.email}
            | set(
                proposal.team.filter(state=InvitationState.ACCEPTED).exclude(email="").values_list("email", flat=True)
            )
            - {""}
        )
        Letter.objects.create(
            proposal=proposal,
            outcome=decision.outcome,
            language=language,
            recipients=recipients,
            subject=one_line(template.subject.format_map(values)),  # names and titles go into a header
            body=template.body.format_map(values),
        )
        count += 1
    log_action(call, "selection.letters_prepared", actor=actor, data={"count": count})
    return count


@transaction.atomic
def start_sending(call: Call, *, actor: Any) -> LetterSending:
    """Queue the sending of the outbox in the task worker; one sending at a time per call (the
    call's row is locked and a unique constraint backs it), so a double click queues one."""
    Call.objects.select_for_update().get(pk=call.pk)
    if LetterSending.objects.filter(call=call, state__in=ACTIVE).exists():
        raise LetterError(_("The letters are already being sent."))
    drafts = Letter.objects.filter(proposal__call=call, state=LetterState.DRAFT).count()
    if not drafts:
        raise LetterError(_("The outbox is empty: prepare the letters first."))
    sending = LetterSending.objects.create(call=call, total=drafts, created_by=actor)
    log_action(call, "selection.letters_sending", actor=actor, data={"sending": sending.pk, "letters": drafts})
    _enqueue(sending)
    return sending


def _enqueue(sending: LetterSending) -> None:
    from grappe.selection import tasks

    transaction.on_commit(lambda: tasks.send_letters.enqueue(sending.pk))


@transaction.atomic
def restart_sending(sending: LetterSending, *, actor: Any) -> LetterSending:
    """A failed sending again, as a new one linked to it. Letters it had claimed but not marked
    sent (the worker died between claiming and saving) go back to the outbox: their mail may or
    may not have left, which the page says."""
    sending = LetterSending.objects.select_for_update().get(pk=sending.pk)
    if sending.state != FAILED:
        raise LetterError(_("Only a failed sending can be restarted."))
    if LetterSending.objects.filter(call=sending.call, state__in=ACTIVE).exists() or sending.restarts.exists():
        raise LetterError(_("The letters are already being sent."))
    Letter.objects.filter(sending=sending, state=LetterState.SENDING).update(state=LetterState.DRAFT)
    drafts = Letter.objects.filter(proposal__call=sending.call, state=LetterState.DRAFT).count()
    again = LetterSending.objects.create(call=sending.call, total=drafts, created_by=actor, restarted_from=sending)
    log_action(sending.call, "selection.letters_sending_restarted", actor=actor, data={"sending": again.pk})
    _enqueue(again)
    return again


def send(sending_id: int) -> int:
    """The task: send every letter of the outbox with the evaluation summary attached as a PDF.

    The sending is claimed once (a task delivered twice does nothing the second time), beats a
    heartbeat, and claims each letter draft → sending with a conditional update before mailing it,
    then marks it sent: each letter is mailed and marked sent once, even with two workers.
    """
    from grappe.selection.pdf import evaluation_summary

    if not claim(LetterSending, sending_id):
        return 0
    sending = LetterSending.objects.select_related("call", "created_by").get(pk=sending_id)
    call = sending.call
    sent = 0
    with heartbeat(LetterSending, sending_id):
        ids = list(
            Letter.objects.filter(proposal__call=call, state=LetterState.DRAFT)
            .order_by("proposal__code")
            .values_list("pk", flat=True)
        )
        LetterSending.objects.filter(pk=sending_id).update(total=len(ids))
        for pk in ids:
            if not Letter.objects.filter(pk=pk, state=LetterState.DRAFT).update(
                state=LetterState.SENDING, sending=sending
            ):
                continue  # prepared again or taken by another sending meanwhile
            letter = Letter.objects.select_related(
                "proposal__call__programme", "proposal__lead", "proposal__lead_organisation"
            ).get(pk=pk)
            if letter.recipients:
                message = EmailMessage(
                    one_line(letter.subject), letter.body, settings.DEFAULT_FROM_EMAIL, letter.recipients
                )
                message.attach(
                    f"evaluation-{letter.proposal.code}.pdf",
                    evaluation_summary(letter.proposal, language=letter.language),
                    "application/pdf",
                )
                try:
                    message.send()
                except Exception:
                    Letter.objects.filter(pk=pk, state=LetterState.SENDING).update(state=LetterState.DRAFT)
                    raise
            pause_point("letters.mailed")
            with transaction.atomic():
                if Letter.objects.filter(pk=pk, state=LetterState.SENDING).update(
                    state=LetterState.SENT, sent_at=timezone.now()
                ):
                    notify_decision(letter)
            sent += 1
            LetterSending.objects.filter(pk=sending_id).update(sent=sent)
    LetterSending.objects.filter(pk=sending_id, state=RUNNING).update(state=DONE, finished_at=timezone.now())
    log_action(call, "selection.letters_sent", actor=sending.created_by, data={"count": sent, "sending": sending_id})
    return sent


def notify_decision(letter: Letter) -> int:
    """The letter in the in-app list of each recipient who has an account, as a ``decision``
    notification (not emailed again: the letter itself is the email). Returns how many."""
    from django.db.models.functions import Lower
    from django.urls import reverse

    from grappe.people.models import Person

    addresses = {address.lower() for address in letter.recipients if address}
    if not addresses:
        return 0
    link = settings.SITE_URL + reverse("submissions:summary", args=[letter.proposal.code])
    people = Person.objects.annotate(address=Lower("email")).filter(address__in=addresses).order_by("pk")
    count = 0
    for person in people:
        notify(
            person,
            Kind.DECISION,
            subject=letter.subject,
            body=letter.body,
            link=link,
            language=letter.language,
            send_email=False,
        )
        count += 1
    return count
