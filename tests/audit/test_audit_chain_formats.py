"""Audit chains: new events hashed over RFC 8785 JSON, older ones still verified as written."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import rfc8785
from fixtures.requests import create_body
from sqlalchemy import insert, select

from signet.audit.actors import Actor
from signet.audit.service import GENESIS, list_events, record_event, verify_chain
from signet.db import transaction
from signet.models import AuditEvent, SigningRequest

LEGACY = json.loads((Path(__file__).parent / "chain_written_by_0.1.json").read_text())["events"]


def _create(api) -> str:  # type: ignore[no-untyped-def]
    r = api.post("/signing-requests", create_body())
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _store_legacy_chain(app, sid: str) -> None:  # type: ignore[no-untyped-def]
    """Put the 0.1 chain in place of the request's events, as migration 0007 leaves such rows:
    inserted without ``hash_format``, which the column's server default makes 0."""
    with transaction(app.state.signet.db.write) as session:
        request = session.get(SigningRequest, sid)
        session.query(AuditEvent).filter(AuditEvent.signing_request_id == sid).delete()
        for row in LEGACY:
            session.execute(
                insert(AuditEvent).values(
                    id=f"{sid[:30]}-{row['seq']}",
                    workspace_id=request.workspace_id,
                    signing_request_id=sid,
                    source={"api_key": "admin", "recipient": "signer"}[row["actor_type"]],
                    **{**row, "at": datetime.fromisoformat(row["at"])},
                )
            )


def test_new_events_are_hashed_over_rfc8785_json(api, app):
    sid = _create(api)
    with app.state.signet.db.read() as session:
        (event,) = list_events(session, sid)
        assert event.hash_format == 1 and event.prev_hash == GENESIS
        material = rfc8785.dumps(
            {
                "prev": GENESIS,
                "seq": 1,
                "at": event.at.isoformat(),
                "event": "created",
                "actor": [event.actor_type, event.actor_id, event.actor_name, event.actor_email],
                "recipient_id": None,
                "ip": event.ip_address,
                "ua": event.user_agent,
                "details": event.details,
            }
        )
        assert event.hash == hashlib.sha256(material).hexdigest()
        assert verify_chain([event])


def test_a_chain_written_before_rfc8785_still_verifies_and_continues(api, app):
    sid = _create(api)
    _store_legacy_chain(app, sid)
    with app.state.signet.db.read() as session:
        events = list_events(session, sid)
        assert [e.hash_format for e in events] == [0, 0, 0, 0]
        assert [e.hash for e in events] == [row["hash"] for row in LEGACY]
        assert verify_chain(events)
    # The next event links to the old chain's last hash and is written in the new format.
    with transaction(app.state.signet.db.write) as session:
        request = session.get(SigningRequest, sid)
        record_event(session, request, "viewed", Actor("recipient", "r-1", "Ayşe"), details={})
    with app.state.signet.db.read() as session:
        events = list_events(session, sid)
        assert [e.hash_format for e in events] == [0, 0, 0, 0, 1]
        assert events[-1].prev_hash == LEGACY[-1]["hash"]
        assert verify_chain(events)


def test_the_format_marker_is_part_of_what_verifies(api, app):
    sid = _create(api)
    _store_legacy_chain(app, sid)
    with app.state.signet.db.read() as session:
        events = list_events(session, sid)
        session.expunge_all()
    # Event 3's keys sort differently in RFC 8785 (UTF-16 order) than in orjson (UTF-8 order):
    # read in the other format, its hash no longer matches.
    events[2].hash_format = 1
    assert not verify_chain(events)
    events[2].hash_format = 7  # no such format
    assert not verify_chain(events)
    events[2].hash_format = 0
    events[2].details = {**events[2].details, "half": 0.25}
    assert not verify_chain(events)


def test_each_stored_event_keeps_the_format_it_was_written_in(api, app):
    sid = _create(api)
    api.patch(f"/signing-requests/{sid}", {"description": "v2"})
    with app.state.signet.db.read() as session:
        formats = session.scalars(
            select(AuditEvent.hash_format).where(AuditEvent.signing_request_id == sid)
        ).all()
    assert formats == [1, 1]
