"""Two nodes, one installation: each node its own data dir, API server and job worker, both on
one PostgreSQL database and one S3 bucket (SeaweedFS), with one secret and one seal key. A request
made on node 1 is signed through node 2, sealed by whichever worker takes the job, downloaded
from node 1 and verified there; every email and webhook goes out exactly once."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from webhooks.webhook_kit import Receiver

from scaleout import flows
from scaleout.cluster import Cluster, signet_command, wait_until

pytestmark = pytest.mark.slow
EVENTS = [
    "signing_request.sent",
    "signing_request.recipient.signed",
    "signing_request.completed",
    "signing_request.certificate.generated",
]


def _link_path(cluster: Cluster, address: str, kind: str) -> str:
    """The signing page's path from the invitation sent to ``address``."""
    mail = wait_until(lambda: cluster.smtp.to(address, kind), 60, f"{kind} to {address}")
    assert len(mail) == 1, [m["X-Signet-Email-Type"] for m in cluster.smtp.to(address)]
    body = mail[0].get_body(("plain",))
    assert body is not None
    match = re.search(r"https?://127\.0\.0\.1:\d+(/signing/[A-Za-z0-9_-]+)", body.get_content())
    assert match, body.get_content()
    return match.group(1)


def test_a_request_made_on_one_node_is_signed_on_the_other_and_sealed_once(
    cluster_factory, receiver: Receiver, tmp_path: Path
) -> None:
    cluster = cluster_factory(nodes=2, database="postgresql", storage="s3")
    one, two = cluster.nodes
    cluster.subscribe(receiver.url(), EVENTS)
    nodes = flows.Nodes([one.url, two.url], cluster.key)
    only_one, only_two = (flows.Nodes([n.url], cluster.key) for n in (one, two))

    created = flows.create(only_one, "two-nodes", ordered=True)
    flows.send(only_one, created["id"])
    ada, bob = (r["email"] for r in created["recipients"])
    # In turn: Bob's invitation follows Ada's finish, which node 2 took.
    for address, kind in ((ada, "signing_invite"), (bob, "next_signer")):
        path = _link_path(cluster, address, kind)
        recipient_id = path.rsplit("/", 1)[1]
        flows.sign(only_two, created["id"], recipient_id)  # node 2 serves the page and the finish

    sealed = flows.wait_sealed(nodes, created["id"])
    final = flows.download(only_one, sealed["final_document_download_url"])
    assert final.startswith(b"%PDF-")
    pdf = tmp_path / "final.pdf"
    pdf.write_bytes(final)
    verified = subprocess.run(
        signet_command("verify", str(pdf)),
        env=one.node_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Sealed by this installation: yes" in verified.stdout

    # Everything that was to go out went out; then nothing is left to run, and nothing twice.
    wait_until(lambda: not cluster.unfinished_jobs(), 60, "every job done")
    mails = Counter((str(m["To"]), m["X-Signet-Email-Type"]) for m in cluster.smtp.snapshot())
    assert all(n == 1 for n in mails.values()), mails
    assert mails == {
        (ada, "signing_invite"): 1,
        (bob, "next_signer"): 1,
        (ada, "signing_completed"): 1,
        (bob, "signing_completed"): 1,
    }, mails

    hits = receiver.snapshot()
    by_delivery = Counter(h.delivery_id for h in hits)
    assert all(n == 1 for n in by_delivery.values()), by_delivery
    events = Counter(h.headers["x-firma-event"] for h in hits)
    assert events == {
        "signing_request.sent": 1,
        "signing_request.recipient.signed": 2,
        "signing_request.completed": 1,
        "signing_request.certificate.generated": 1,
    }, events
    assert len({h.json()["id"] for h in hits}) == len(hits)  # one event id per event

    # Each worker ran: the sealing went to one of them, the rest of the work was shared.
    workers = [p for n in cluster.nodes for p in n.worker_procs]
    assert all(p.alive() for p in workers), cluster.logs()
