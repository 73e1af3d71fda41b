"""Per-signer signatures made by a remote signing service over the Cloud Signature Consortium
API (CSC API 1.0.4, ``SIGNET_CSC_URL``), instead of the installation's signing CA.

One credential at the service (``SIGNET_CSC_CREDENTIAL_ID``) signs for every signer: its key
never leaves the service, which returns raw signatures over the hashes Signet sends
(``signatures/signHash``). The certificate in each signature is the credential's, so it names
the credential's holder, not the signer; the signer is named in the signature dictionary, which
the signature covers: ``/Name`` (their name), ``/ContactInfo`` (their email) and ``/Reason``
("Signed by NAME <EMAIL>"). Each signature is authorised on its own (``credentials/authorize``)
for exactly its hash, with the signer named in the authorisation's description, so the
service's own records list one authorisation per signer. See
docs/seal-keys.md#remote-signing-service-csc.

Every call has a time limit (``CSCService.timeout``) and the whole signing runs on an event loop
of its own, off the caller's (as ``signer_signature.add_signer_signatures``); any failure (the
service down, a refusal, a bad answer) raises SealError, and the finalisation job is retried.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)

from signet.pdf.seal import SealError, run_coroutine, run_outside_event_loop
from signet.pdf.signer_signature import SignerMark, mark_boxes, signer_pdf_signer

__all__ = ["CSCService", "RemoteSignatures", "add_remote_signer_signatures"]

log = logging.getLogger(__name__)

# Room for the CMS container beyond its certificates: the signed attributes, the signature value
# (512 bytes for RSA-4096) and the DER framing; doubled for hex.
_CMS_OVERHEAD = 3 * 1024


@dataclass(frozen=True)
class CSCService:
    """Where the remote signing service is, the credential to sign with, and how to be let in.

    ``url`` is the service's base URL (the part before ``/csc/v1/…``); ``token`` is sent as
    ``Authorization: Bearer``; ``pin`` goes with each ``credentials/authorize`` call of a
    credential that needs one. ``timeout`` bounds each HTTP call, in seconds.
    """

    url: str
    credential_id: str
    token: str | None = None
    pin: str | None = None
    timeout: float = 30.0

    def session_info(self) -> CSCServiceSessionInfo:
        return CSCServiceSessionInfo(
            service_url=self.url, credential_id=self.credential_id, oauth_token=self.token
        )


@dataclass
class RemoteSignatures:
    """What the last signing learnt of the credential: its certificate's subject, for the
    certificate of completion."""

    holder: str | None = None


class _Authorize(CSCAuthorizationManager):
    """One ``credentials/authorize`` call per signature, pinned to its hash, describing whose
    signature it is."""

    def __init__(
        self,
        service: CSCService,
        credential: CSCCredentialInfo,
        session: aiohttp.ClientSession,
        description: str,
    ) -> None:
        super().__init__(service.session_info(), credential)
        self.service = service
        self.session = session
        self.description = description

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        body = self.format_csc_auth_request(
            pin=self.service.pin, hash_b64s=hash_b64s, description=self.description
        )
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        try:
            async with self.session.post(
                url, headers=self.auth_headers, json=body, raise_for_status=True
            ) as response:
                answer = await response.json()
        except aiohttp.ClientError as exc:
            raise SigningError(f"the authorisation was refused or failed ({exc})") from exc
        if not isinstance(answer, dict):
            raise SigningError("the authorisation's answer is not a JSON object")
        return self.parse_csc_auth_response(answer)


class _Signer(CSCSigner):
    """pyHanko's CSC signer, keeping why a ``signatures/signHash`` call failed (pyHanko logs
    it and raises a generic error)."""

    failure: BaseException | None = None

    async def commit(self) -> None:
        try:
            await super().commit()
        except SigningError as exc:
            self.failure = exc.__cause__ or exc
            raise


def add_remote_signer_signatures(
    first: Callable[[], IncrementalPdfFileWriter],
    original: bytes,
    marks: Sequence[SignerMark],
    service: CSCService,
    learnt: RemoteSignatures | None = None,
) -> bytes:
    """Sign, in order, one approval signature per entry of ``marks`` with the remote credential.

    ``first`` and ``original`` are as for ``signer_signature.add_signer_signatures``: the first
    signature signs ``first``'s update, each later one is an update of its own. Raises SealError
    when the service cannot be reached, refuses, or answers with something unusable.
    """
    if not marks:
        raise ValueError("at least one signer")
    boxes = mark_boxes(original, marks)

    async def sign_all() -> bytes:
        timeout = aiohttp.ClientTimeout(total=service.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                credential = await fetch_certs_in_csc_credential(
                    session, service.session_info(), timeout=max(1, round(service.timeout))
                )
            except (SigningError, TimeoutError, aiohttp.ClientError, ValueError, IndexError) as exc:
                # ValueError: an answer that is not JSON; IndexError: one without certificates.
                raise SealError(
                    f"The remote signing service at {service.url} did not give the certificate"
                    f" of credential {service.credential_id!r}: {_why(exc)}"
                ) from exc
            if learnt is not None:
                subject = credential.signing_cert.subject
                learnt.holder = str(subject.native.get("common_name") or subject.human_friendly)
            certs = [credential.signing_cert, *credential.chain]
            reserve = 2 * (sum(len(c.dump()) for c in certs) + _CMS_OVERHEAD)
            data = b""
            for n, (mark, box) in enumerate(zip(marks, boxes, strict=True), 1):
                writer = first() if n == 1 else IncrementalPdfFileWriter(io.BytesIO(data))
                who = mark.name or mark.email
                signer = _Signer(
                    session,
                    _Authorize(service, credential, session, f"Signet: signature of {who}"),
                    sign_timeout=max(1, round(service.timeout)),
                )
                try:
                    pdf_signer = signer_pdf_signer(writer, n, mark, box, signer)
                    out = await pdf_signer.async_sign_pdf(
                        writer, output=io.BytesIO(), bytes_reserved=reserve
                    )
                except (SigningError, TimeoutError, aiohttp.ClientError) as exc:
                    raise SealError(
                        f"The remote signing service at {service.url} did not sign for signer"
                        f" {n}: {_why(signer.failure or exc)}"
                    ) from exc
                except (PdfError, ValueError, KeyError, TypeError, OSError) as exc:
                    raise SealError(
                        f"The signature of signer {n} could not be made: {exc}"
                    ) from exc
                finally:
                    writer.prev.stream.close()
                data = out.getvalue()
            return data

    return run_outside_event_loop(lambda: run_coroutine(sign_all()))


def _why(exc: BaseException) -> str:
    """A short reason: a time-out, the service's HTTP answer, or the innermost cause."""
    chain = [exc]
    while chain[-1].__cause__ is not None and len(chain) < 10:
        chain.append(chain[-1].__cause__)
    if any(isinstance(e, TimeoutError) for e in chain):
        return "no answer in time"
    answer = next((e for e in chain if isinstance(e, aiohttp.ClientResponseError)), None)
    if answer is not None:
        return f"HTTP {answer.status} {answer.message}".strip()
    return str(chain[-1]) or type(chain[-1]).__name__
