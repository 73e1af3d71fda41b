"""Write a signed incremental update and embed its CMS signature, hashing the original only once.

pyHanko's ``PdfSigner.sign_pdf`` writes the update and then hashes the whole file for the
signature's byte range: 10 ms for a 20 MB original, every time it is sealed. This runs the same
steps through pyHanko's interrupted-signing API (signing session, to-be-signed document, CMS from
the signer, filling the reserved /Contents) and computes the byte-range digest itself, from an
:class:`OriginalHash` of the original when the update follows exactly those bytes, and from the
whole file otherwise.

The update is written into a buffer of its own (:class:`_Update`), at the offsets it will have
after the original, and the file is the original and the update joined once. Appending to the
reader's own ``BytesIO``, as pyHanko's ``write_in_place`` does, copies the original into a new
buffer on the first write, grows it, and copies it again to return it: ~12 ms at 20 MB, against
~1.5 ms for one join.

This is the only module that touches pyHanko's internals (the public ``async_sign_pdf`` costs
about 3x at 20 MB: ~88 ms against ~27 ms on the benchmark machine). What it relies on, each
with a test in ``tests/pdf/seal/test_pyhanko_internals.py``:

* ``IncrementalPdfFileWriter._prep_dom_for_writing()`` then ``_write_updated_section(stream)``
  write exactly the bytes ``write()`` appends to the original, through ``tell``/``seek``/
  ``write`` in offsets of the whole file;
* after ``prepare_tbs_document``, the field's signature dictionary is a ``PdfByteRangeDigest``
  whose ``contents.offsets`` are the placeholder's, and ``byte_range.fill_offsets`` fills the
  /ByteRange; ``PreparedByteRangeDigest(digest, start, stop).fill_with_cms`` fills /Contents;
* ``writer.digest_aware_write`` is the flag pyHanko's own byte-range writer sets;
* the CMS must fit in ``reserved_region_end - reserved_region_start - 2`` hex digits;
* :func:`cache_signature_dictionary`: a dictionary put in the reader's object cache
  (``cache_indirect_object``) is what ``get_object`` returns, and reads as pyHanko's own parse;
* :class:`Stamper`: ``HTTPTimeStamper._acquire_session`` is where pyHanko opens the session of
  a timestamp request (without it, pyHanko's own sessions: correct, ~20 ms more each).

When a pyHanko upgrade breaks one of them, that test says which. If the private methods are
gone, sealing already falls back to ``async_sign_pdf`` (:func:`_sign_public`) and stays correct,
only slower; restore the fast path from pyHanko's new ``PdfTBSDocument``/``write_in_place``
code, or keep the fallback if it got as fast. Until then, pyHanko stays pinned to a minor
release in pyproject.toml. The policy: docs/dependencies.md.
"""

from __future__ import annotations

import hashlib
import io
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import TYPE_CHECKING, Protocol

import aiohttp
import certifi
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.pdf_utils.xref import read_object_header
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PdfByteRangeDigest, PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession

from signet.pdf import asn1_mutated

if TYPE_CHECKING:
    from hashlib import _Hash

    from _typeshed import ReadableBuffer

__all__ = [
    "KnownHash",
    "PrefixHash",
    "ReservedSpaceTooSmall",
    "SignatureFields",
    "Stamper",
    "TLSContextSession",
    "cache_signature_dictionary",
    "embed_signature",
    "signature_fields",
]

# Every signature builds its CMS container with asn1crypto: ~10x faster with this (its module).
asn1_mutated.install()

# The private writer methods the fast path calls (see the module docstring).
_WRITER_INTERNALS = ("_prep_dom_for_writing", "_write_updated_section")


class ReservedSpaceTooSmall(Exception):  # noqa: N818  (a condition the caller retries on)
    """The CMS signature is larger than the space reserved for it in /Contents."""

    def __init__(self, needed: int, reserved: int) -> None:
        super().__init__(f"the signature needs {needed} hex digits, {reserved} were reserved")
        self.needed = needed
        self.reserved = reserved


class PrefixHash(Protocol):
    """The hash of the bytes a writer reads from (:class:`OriginalHash`, :class:`KnownHash`)."""

    original: bytes

    def is_held_by(self, stream: io.BytesIO) -> bool: ...

    def state(self) -> _Hash: ...


class KnownHash:
    """The SHA-256 state of ``data``, already computed: after one signed update, the state of
    the previous file continued with the update, so a chain of updates hashes each byte once."""

    def __init__(self, data: bytes, state: _Hash) -> None:
        self.original = data
        self._state = state

    @classmethod
    def after(cls, previous: PrefixHash | None, head: bytes, data: bytes) -> KnownHash:
        """The hash of ``data``, which is ``head`` (hashed by ``previous``, if it holds
        exactly ``head``) followed by more bytes."""
        state = None
        if previous is not None and previous.original is head and data.startswith(head):
            try:
                state = previous.state()
            except RuntimeError:  # an OriginalHash whose thread died
                state = None
        if state is None:
            return cls(data, hashlib.sha256(data))
        state.update(memoryview(data)[len(head) :])
        return cls(data, state)

    def is_held_by(self, stream: io.BytesIO) -> bool:
        return stream.getvalue() is self.original

    def state(self) -> _Hash:
        return self._state.copy()


class SignatureFields:
    """The form's field names, and which signature fields hold a signature, in form order."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.signed: list[tuple[str, generic.DictionaryObject]] = []  # fully qualified name


def signature_fields(handler: PdfHandler) -> SignatureFields:
    """Every field's fully qualified name, and the signature fields with a value (/V).

    pyHanko's ``embedded_signatures`` (and its ``enumerate_sig_fields``) resolve each signature
    field's /V, which parses the signature dictionary with its whole /Contents reservation, in
    Python, a character at a time: 8 to 32 KiB of hex per signature. Naming a new field, or
    telling whether the file is signed, needs none of it: this looks at the field dictionaries
    only (``"/V" in field`` does not resolve the reference).
    """
    found = SignatureFields()
    try:
        top = handler.root["/AcroForm"]["/Fields"]
    except (KeyError, TypeError):
        return found
    seen: set[generic.Reference] = set()

    def walk(refs: object, parent: str, inherited_type: object) -> None:
        if not isinstance(refs, generic.ArrayObject):
            return
        for ref in refs:
            if not isinstance(ref, generic.IndirectObject) or ref.reference in seen:
                continue
            seen.add(ref.reference)
            field = ref.get_object()
            if not isinstance(field, generic.DictionaryObject):
                continue
            field_type = _resolved(field, "/FT", inherited_type)
            name = parent
            if "/T" in field:
                name = f"{parent}.{field['/T']}" if parent else str(field["/T"])
                found.names.add(name)
                if field_type == "/Sig" and "/V" in field:
                    found.signed.append((name, field))
            walk(_resolved(field, "/Kids", None), name, field_type)

    walk(top, "", None)
    return found


def _resolved(dictionary: generic.DictionaryObject, key: str, default: object) -> object:
    """``dictionary[key]`` resolved (pyHanko's ``get`` is the plain dict's: unresolved)."""
    try:
        return dictionary[key]
    except KeyError:
        return default


_CONTENTS = re.compile(rb"/Contents\s*<")


def cache_signature_dictionary(reader: PdfFileReader, ref: generic.IndirectObject) -> bool:
    """Read the signature dictionary ``ref`` into ``reader``'s object cache, its /Contents
    decoded by ``bytes.fromhex``; True when it did.

    pyHanko reads a hex string a character at a time, in Python: ~16 ms for a seal's 32 KiB
    reservation, most of it the zeros after the signature. This reads the dictionary with the
    hex string left out, then puts the decoded bytes in its place; the result is what pyHanko's
    own parse gives (``tests/pdf/seal/test_pyhanko_internals.py``). It checks that the string it
    decoded is the one the dictionary's /ByteRange leaves out, and does nothing (pyHanko then
    parses it as usual) for anything unusual: an encrypted file, an object in an object stream,
    another layout.
    """
    reference = ref.reference
    stream = reader.stream
    if reader.encrypted or not isinstance(stream, io.BytesIO):
        return False
    if reader.cache_get_indirect_object(reference.generation, reference.idnum) is not None:
        return True
    try:
        start = reader.xrefs[reference]
    except (KeyError, ValueError):
        return False
    if not isinstance(start, int):
        return False
    data = stream.getvalue()
    end = data.find(b"endobj", start)
    found = _CONTENTS.search(data, start, end) if end > 0 else None
    close = data.find(b">", found.end(), end) if found else -1
    if found is None or close < 0:
        return False
    try:
        contents = bytes.fromhex(data[found.end() : close].decode("ascii"))
        patched = io.BytesIO(data[start : found.end()] + data[close:end])
        idnum, generation = read_object_header(patched, strict=reader.strict)
        if (idnum, generation) != (reference.idnum, reference.generation):
            return False
        value = generic.read_object(patched, generic.Reference(idnum, generation, reader))
        if not isinstance(value, generic.DictionaryObject):
            return False
        gap = [int(n) for n in value["/ByteRange"]]
    except Exception:  # noqa: BLE001 - whatever the shortcut cannot read, pyHanko reads
        return False
    if len(gap) != 4 or gap[0] + gap[1] != found.end() - 1 or gap[2] != close + 1:
        return False  # not the string the signature leaves out
    value["/Contents"] = generic.pdf_string(contents)
    reader.cache_indirect_object(generation, idnum, value)
    return True


@cache
def _ssl_context() -> ssl.SSLContext:
    """The TLS context of the HTTP clients below, made once: pyHanko makes one per session,
    loading certifi's bundle every time (~20 ms of CPU; four sessions per B-LTA file)."""
    return ssl.create_default_context(cafile=certifi.where())


class TLSContextSession(LazySession):
    """pyHanko's lazy aiohttp session (opened on first use, closed with the operation that
    used it), over the TLS context made once."""

    def get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=_ssl_context())
            )
        return self._session


class Stamper(HTTPTimeStamper):
    """pyHanko's RFC 3161 client with a session per request, as its own, over the TLS context
    made once. A pyHanko without ``_acquire_session`` makes its own sessions again: slower,
    still correct."""

    @asynccontextmanager
    async def _acquire_session(self) -> AsyncIterator[aiohttp.ClientSession]:
        if self._session is not None:  # a caller's session: pyHanko's own handling
            async with super()._acquire_session() as session:
                yield session
            return
        lazy = TLSContextSession()
        try:
            yield lazy.get_session()
        finally:
            await lazy.close()


def fast_path_available() -> bool:
    """True when this pyHanko still has the writer internals the fast path calls."""
    return all(callable(getattr(IncrementalPdfFileWriter, n, None)) for n in _WRITER_INTERNALS)


class _Update(io.BytesIO):
    """The bytes that follow an original of ``base`` bytes, at the offsets they have in the file.

    pyHanko's writer records where each object starts with ``tell`` and fills the byte range and
    the signature with ``seek`` and ``write``, all in offsets of the whole file. It seeks to 0
    after filling the signature; anything written before ``base`` would be lost, so it raises.
    """

    def __init__(self, base: int) -> None:
        super().__init__()
        self.base = base

    def tell(self) -> int:
        return super().tell() + self.base

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        # ``write`` stays BytesIO's own (pyHanko writes an update in tens of thousands of small
        # pieces: a Python override cost ~1.5 ms per signature); only a position before the
        # base puts a refusing one in front of it, on this instance.
        if whence == io.SEEK_SET and pos < self.base:
            self.__dict__["write"] = self._refuse
        else:
            self.__dict__.pop("write", None)
        if whence != io.SEEK_SET:
            return super().seek(pos, whence) + self.base
        return super().seek(max(pos - self.base, 0)) + self.base

    def _refuse(self, data: ReadableBuffer, /) -> int:
        raise OSError("the update cannot write into the original")


async def embed_signature(
    writer: IncrementalPdfFileWriter,
    pdf_signer: signers.PdfSigner,
    *,
    bytes_reserved: int | None,
    original: PrefixHash | None,
) -> bytes:
    """Sign ``writer``'s update as ``pdf_signer.sign_pdf`` would; returns the signed file.

    When the writer reads from a ``BytesIO``, its bytes are left as they are and the file is
    those bytes and the signed update; ``original`` is used for the digest only when that
    buffer holds exactly ``original.original``. Otherwise the whole file is written anew.
    Raises :class:`ReservedSpaceTooSmall` when the signature outgrows ``bytes_reserved``.
    """
    if not fast_path_available():
        return await _sign_public(writer, pdf_signer)
    session = pdf_signer.init_signing_session(writer)
    validation_info = await session.perform_presign_validation(writer)
    if bytes_reserved is None:
        bytes_reserved = await session.estimate_signature_container_size(
            validation_info, tight=pdf_signer.signature_meta.tight_size_estimates
        )
    tbs = session.prepare_tbs_document(
        validation_info=validation_info, bytes_reserved=bytes_reserved
    )
    field_name = pdf_signer.signature_meta.field_name
    signature = next(
        (
            value.get_object()
            for name, value, _ in fields.enumerate_sig_fields(writer, with_name=field_name)
            if isinstance(value, generic.PdfObject)
        ),
        None,
    )
    if not isinstance(signature, PdfByteRangeDigest):
        raise ValueError(f"the signature dictionary of field {field_name} was not prepared")

    stream = writer.prev.stream
    writer.digest_aware_write = True  # as pyHanko's own byte-range writer sets it
    head = b""
    output: io.BytesIO
    if isinstance(stream, io.BytesIO):
        # As write_in_place, into a buffer of its own (see the module docstring).
        head = stream.getvalue()  # a BytesIO made from bytes returns them, not a copy
        output = _Update(len(head))
        writer._prep_dom_for_writing()
        writer._write_updated_section(output)
    else:
        output = io.BytesIO()
        writer.write(output)
    held = isinstance(output, _Update) and original is not None and original.is_held_by(stream)
    prefix = original if held else None
    prepared = _byte_range_digest(head, output, signature, tbs.md_algorithm, prefix)

    cms = await tbs.signer.async_sign(
        prepared.document_digest,
        tbs.md_algorithm,
        use_pades=tbs.use_pades,
        timestamper=tbs.timestamper,
        signed_attr_settings=PdfCMSSignedAttributes(
            signing_time=session.system_time,
            adobe_revinfo_attr=(
                None if validation_info is None else validation_info.adobe_revinfo_attr
            ),
            cades_signed_attrs=pdf_signer.signature_meta.cades_signed_attr_spec,
        ),
    )
    if tbs.post_sign_instructions is not None:  # a DSS or document timestamp: never asked for
        raise ValueError("post-signature processing is not supported here")
    # pyHanko reports an overflow only in its error text; measured here instead. Encoded once:
    # asn1crypto walks the whole (freshly built) container on every dump().
    der = cms.dump()
    needed = 2 * len(der)
    reserved = prepared.reserved_region_end - prepared.reserved_region_start - 2  # "<" and ">"
    if needed > reserved:
        raise ReservedSpaceTooSmall(needed, reserved)
    prepared.fill_with_cms(output, der)
    if isinstance(output, _Update):
        return head + output.getvalue()
    return output.getvalue()


async def _sign_public(writer: IncrementalPdfFileWriter, pdf_signer: signers.PdfSigner) -> bytes:
    """The same signature through pyHanko's public API, for a pyHanko without the internals.

    pyHanko sizes /Contents itself (a dry-run signature first), so the space always fits.
    """
    output = io.BytesIO()
    await pdf_signer.async_sign_pdf(writer, output=output)
    return output.getvalue()


def _byte_range_digest(
    head: bytes,
    output: io.BytesIO,
    signature: PdfByteRangeDigest,
    md_algorithm: str,
    prefix: PrefixHash | None,
) -> PreparedByteRangeDigest:
    """Fill in the /ByteRange and hash it: everything but the reserved /Contents placeholder.

    The file is ``head`` followed by ``output``'s buffer; ``prefix``, if given, is the hash
    of ``head``.
    """
    end = output.tell()
    start, stop = signature.contents.offsets
    signature.byte_range.fill_offsets(output, start, stop, end)
    base = len(head)
    if start < base:  # never: the placeholder is written in the update
        raise ValueError("the signature placeholder is not in the update")
    if prefix is not None and md_algorithm == "sha256":
        digest = prefix.state()
    else:
        digest = hashlib.new(md_algorithm, head)
    with output.getbuffer() as buffer:
        digest.update(buffer[: start - base])
        digest.update(buffer[stop - base : end - base])
    return PreparedByteRangeDigest(digest.digest(), start, stop)
