"""Plain words for a verification: the verdict's headline and explanation, and the details list.

The decisions (what counts as intact, what the public may see) are made in
``signet.signing.verification``; this module only says them for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from signet.kit.timefmt import parse_time
from signet.signing.verification import IssuedFile, SignerSeen, Verification

VARIANT_WORDS = {
    "final": "the signed document with its certificate of completion",
    "document_only": "the signed document without its certificate",
    "certificate_only": "the certificate of completion alone",
}


@dataclass
class Row:
    label: str
    value: str
    code: bool = False  # shown in a fixed-width font (hashes, ids)


@dataclass
class Answer:
    tone: str  # good, bad, neutral: the colour and icon of the verdict
    headline: str
    explanation: str
    rows: list[Row] = field(default_factory=list)
    signers: list[tuple[str, str]] = field(default_factory=list)
    signers_note: str = ""
    problems: list[str] = field(default_factory=list)


def when(value: datetime | str | None) -> str:
    """``5 December 2026, 21:40 UTC``; empty when unknown."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = parse_time(value)
        except ValueError:
            return value
    else:
        moment = value.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def file_answer(found: Verification, installation: str) -> Answer:
    """What the page says about an uploaded file."""
    pades = found.pades
    assert pades is not None
    verdict = found.verdict
    if verdict == "not_pdf":
        answer = Answer(
            "bad",
            "This is not a PDF that can be read",
            "The file is not a PDF, or it is damaged. Only PDF files can carry a seal.",
            problems=list(pades.problems),
        )
    elif verdict == "unsigned":
        answer = Answer(
            "neutral",
            f"Not sealed by {installation}",
            f"This PDF carries no signature, so it is not a document sealed by {installation}. "
            "If you expected a signed document, ask the sender for the file they downloaded.",
        )
    elif verdict == "sealed_elsewhere":
        whose = (
            "a Signet seal, but not one of this installation's keys"
            if pades.signet_sealed
            else "a signature, but not a seal of this installation"
        )
        answer = Answer(
            "neutral",
            f"Not sealed by {installation}",
            f"This PDF carries {whose}, so {installation} cannot vouch for it. "
            "Check it in a PDF reader, or with whoever signed it.",
            problems=list(pades.problems),
        )
    elif verdict == "sealed_intact":
        answer = Answer(
            "good",
            f"Sealed by {installation}, and unchanged",
            f"Not one byte of this file has changed since {installation} sealed it"
            + (f" on {when(pades.signed_at)}." if pades.signed_at else "."),
        )
    else:
        answer = Answer(
            "bad",
            f"Sealed by {installation}, but changed since",
            f"This file carries {installation}'s seal, but it was modified after sealing: "
            f"{_what_changed(found)}. What you see may not be what was signed; ask the sender "
            "for the file they downloaded.",
            problems=list(pades.problems),
        )
    answer.rows.append(Row("SHA-256 of this file", found.sha256, code=True))
    if verdict in ("sealed_intact", "sealed_modified"):
        if pades.signed_at:
            answer.rows.append(Row("Sealed on", when(pades.signed_at)))
        if pades.signer_subject:
            answer.rows.append(Row("Seal certificate", pades.signer_subject))
        answer.rows.append(Row("Revisions", _revisions(found)))
        if pades.timestamped:
            answer.rows.append(Row("Time-stamp", "Yes, from a time-stamping authority"))
        for sig in pades.signer_signatures:
            state = "Valid" if sig.intact else "Not intact"
            issuer = (
                f"certificate issued by {installation}'s signing CA"
                if sig.issued_here
                else f"certificate of {sig.subject}, not issued by this installation"
                if sig.subject
                else "certificate not issued by this installation"
            )
            at = f", signed on {when(sig.signed_at)}" if sig.signed_at else ""
            answer.rows.append(
                Row(f"Signature of {sig.name or 'a signer'}", f"{state}: {issuer}{at}")
            )
        _add_long_term(answer, found)
    _add_issued(answer, found.issued, installation)
    if not answer.signers and found.sealed_signers:
        answer.signers = _signers(found.sealed_signers)
        answer.signers_note = "As recorded in the seal."
    return answer


def hash_answer(found: Verification, installation: str) -> Answer:
    """What the page says about a pasted SHA-256."""
    if found.issued is None:
        answer = Answer(
            "neutral",
            f"Unknown to {installation}",
            f"{installation} has not issued a file with this SHA-256. A hash only tells whether "
            "a file is the very same one; to check a seal, choose the PDF itself.",
        )
    else:
        answer = Answer(
            "good",
            f"Issued by {installation}",
            f"{installation} sealed and issued a file with exactly this SHA-256. Any file whose "
            "SHA-256 is this one is that file, byte for byte.",
        )
    answer.rows.append(Row("SHA-256", found.sha256, code=True))
    _add_issued(answer, found.issued, installation)
    return answer


def _add_issued(answer: Answer, issued: IssuedFile | None, installation: str) -> None:
    if issued is None:
        return
    answer.rows.append(Row("Document", issued.document_name))
    answer.rows.append(Row("Signing request", issued.signing_request_id, code=True))
    answer.rows.append(Row("This file is", VARIANT_WORDS.get(issued.variant, issued.variant)))
    if issued.completed_at:
        answer.rows.append(Row("Completed on", when(issued.completed_at)))
    if issued.test:
        answer.rows.append(Row("Test document", "Yes: sent in test mode, not legally binding"))
    answer.signers = _signers(issued.signers)
    answer.signers_note = f"As recorded by {installation}."


def _add_long_term(answer: Answer, found: Verification) -> None:
    long_term = found.long_term
    if long_term is None or not (long_term.validation_data or long_term.archive_timestamp):
        return
    if long_term.archive_timestamp and long_term.archive_timestamp_intact:
        text = (
            "Yes: the certificates' revocation data and a document time-stamp of "
            f"{when(long_term.archive_timestamp)} keep the seal checkable after they expire."
        )
    elif long_term.archive_timestamp or long_term.problem:
        text = "The document time-stamp added after the seal is damaged."
        answer.problems.append(text)
    else:
        text = "Revocation data only, without a document time-stamp."
    answer.rows.append(Row("Long-term validation", text))


def _signers(signers: list[SignerSeen]) -> list[tuple[str, str]]:
    return [(s.name or "(no name)", when(s.signed_at)) for s in signers]


def _revisions(found: Verification) -> str:
    pades = found.pades
    assert pades is not None
    total, sealed = pades.revisions, pades.seal_revision
    if sealed is None:
        return "Unknown"
    text = f"The seal covers revision {sealed} of {total}"
    later = total - sealed
    if later > 0 and found.verdict == "sealed_intact":
        return f"{text}; the later ones add only validation data, which the seal allows."
    if later > 0:
        added = f"revision {total}" if later == 1 else f"revisions {sealed + 1} to {total}"
        return f"{text}; {added} {'was' if later == 1 else 'were'} added after sealing."
    if found.bytes_after_seal:
        return f"{text}, but {found.bytes_after_seal} bytes were appended after it."
    return f"{text}: the whole file."


def _what_changed(found: Verification) -> str:
    pades = found.pades
    assert pades is not None
    sealed = pades.seal_revision
    if sealed is not None and pades.revisions > sealed:
        later = pades.revisions - sealed
        return (
            f"{later} revision{'s' if later > 1 else ''} {'were' if later > 1 else 'was'} "
            f"added after the sealed revision {sealed}"
        )
    if found.bytes_after_seal:
        return f"{found.bytes_after_seal} bytes were appended after the sealed content"
    return "bytes within the sealed content were changed"
