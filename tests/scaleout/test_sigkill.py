"""Nodes SIGKILLed at four seeded points while 50 whole flows run, and started again.

Two nodes (each an API server and a job worker) on one PostgreSQL database and one S3 bucket.
While clients create, send and sign 50 two-signer requests on whichever node answers, a chaos
thread kills an API server, a worker or a whole node with SIGKILL (no chance to clean up), waits
a moment and starts it again; one node at a time, so the other keeps serving. Afterwards:

* every request is sealed, exactly once (one ``certificate_generated`` audit event, one
  certificate webhook event);
* every email went out at least once, and any repeat is the same message (same Message-ID);
* every webhook event went out at least once; a repeat of a delivery carries the same event id
  and delivery id, and no event happened twice under two ids;
* no job is dead or left running.

Set ``SIGNET_CHAOS_SEED`` to replay a run; the seed is printed on failure.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from webhooks.webhook_kit import Receiver

from scaleout import flows
from scaleout.cluster import Cluster, Node, wait_until

# About 3 minutes on a busy 2-core machine; the suite's 300 s default leaves too little margin.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FLOWS = 50
CLIENTS = 5
EVENTS = [
    "signing_request.sent",
    "signing_request.recipient.signed",
    "signing_request.completed",
    "signing_request.certificate.generated",
]


class Chaos:
    """Kills and restarts processes of one node at a time, at seeded points of the run.

    The kills are tied to the flows' progress, not to the clock: on a fast machine the 50 flows
    may end before a timer fires. Each kill waits until flow number ``milestone`` is about to
    start, and that flow waits until the kill is done, so every kill lands while the other
    clients' flows are in flight.
    """

    KILLS = 4

    def __init__(self, cluster: Cluster, seed: int) -> None:
        self.cluster = cluster
        self.random = random.Random(seed)
        self.milestones = sorted(self.random.sample(range(CLIENTS, FLOWS - CLIENTS), self.KILLS))
        self._reached = {m: threading.Event() for m in self.milestones}
        self._killed = {m: threading.Event() for m in self.milestones}
        self.stop = threading.Event()
        self.kills: list[tuple[str, str]] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def before_flow(self, number: int) -> None:
        """Called by a client before flow ``number``: holds it until its kill has happened."""
        if number in self._reached:
            self._reached[number].set()
            self._killed[number].wait(120)

    def _run(self) -> None:
        try:
            for milestone in self.milestones:
                while not self._reached[milestone].wait(0.5):
                    if self.stop.is_set():
                        return
                self.stop.wait(self.random.uniform(0.2, 1.5))
                node = self.random.choice(self.cluster.nodes)
                what = self.random.choice(["serve", "worker", "node"])
                try:
                    self._kill(node, what)
                finally:
                    self._killed[milestone].set()
                self.stop.wait(self.random.uniform(0.2, 2.0))
                self._restart(node, what)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            for event in self._killed.values():
                event.set()

    def _kill(self, node: Node, what: str) -> None:
        if what in ("serve", "node") and node.serve is not None:
            node.serve.kill()
        if what in ("worker", "node"):
            for proc in node.worker_procs:
                proc.kill()
        self.kills.append((node.name, what))

    def _restart(self, node: Node, what: str) -> None:
        if what in ("serve", "node"):
            node.start_serve()
        if what in ("worker", "node"):
            node.start_workers()
        node.wait_ready()


def flow(chaos: Chaos, nodes: flows.Nodes, number: int) -> str:
    chaos.before_flow(number)
    return flows.run_flow(nodes, f"k{number}")


def test_fifty_flows_survive_sigkilled_nodes(cluster_factory, receiver: Receiver) -> None:
    seed = int(os.environ.get("SIGNET_CHAOS_SEED") or random.randrange(1 << 30))
    cluster = cluster_factory(
        nodes=2,
        database="postgresql",
        storage="s3",
        # A killed worker's job is taken again once its lease lapses.
        env={"SIGNET_JOB_LEASE_SECONDS": "4"},
    )
    cluster.subscribe(receiver.url(), EVENTS)
    nodes = flows.Nodes([n.url for n in cluster.nodes], cluster.key)
    chaos = Chaos(cluster, seed)
    chaos.thread.start()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            ids = list(pool.map(lambda i: flow(chaos, nodes, i), range(FLOWS)))
    finally:
        chaos.stop.set()
        chaos.thread.join(60)
    context = f"seed {seed}, kills {chaos.kills}"
    assert chaos.error is None, f"{context}: {chaos.error!r}\n{cluster.logs()}"
    assert len(chaos.kills) == Chaos.KILLS, context
    for node in cluster.nodes:
        if not all(p.alive() for p in node.processes()):
            node.wait_ready()

    # Everything still to do gets done, and nothing is dead.
    wait_until(lambda: not cluster.unfinished_jobs(), 120, f"every job done ({context})")

    # Sealed, exactly once each.
    assert len(set(ids)) == FLOWS
    seals = cluster.seal_counts()
    assert {i: seals[i] for i in ids} == dict.fromkeys(ids, 1), context

    # Emails: each at least once; a repeat is the same message.
    expected = {"signing_invite", "signing_completed"}
    by_email: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in cluster.smtp.snapshot():
        by_email[(str(m["To"]), str(m["X-Signet-Email-Type"]))].add(str(m["Message-ID"]))
    for i in range(FLOWS):
        for who in ("ada", "bob"):
            for kind in expected:
                ids_seen = by_email.get((f"{who}-k{i}@example.com", kind), set())
                assert len(ids_seen) == 1, (context, who, i, kind, ids_seen)
    assert {kind for _, kind in by_email} == expected

    # Webhooks: each event at least once, one event id each; a retry repeats the same ids.
    # A worker killed while sending leaves a request cut short: not a delivery.
    received = receiver.snapshot()
    hits = [h for h in received if len(h.body) == int(h.headers["content-length"])]
    event_of_delivery: dict[str, set[str]] = defaultdict(set)
    events: dict[tuple[str, str], set[str]] = defaultdict(set)
    for hit in hits:
        body = hit.json()
        event_of_delivery[hit.delivery_id].add(body["id"])
        events[(body["data"]["id"], body["type"])].add(body["id"])
    assert all(len(e) == 1 for e in event_of_delivery.values()), context
    wanted = {"signing_request.sent": 1, "signing_request.recipient.signed": 2}
    wanted |= {"signing_request.completed": 1, "signing_request.certificate.generated": 1}
    for request_id in ids:
        got = {name: len(events.get((request_id, name), set())) for name in wanted}
        assert got == wanted, (context, request_id, got)
    repeats = sum(n - 1 for n in Counter(h.delivery_id for h in hits).values())
    print(f"seed {seed}: {len(chaos.kills)} kills {dict(Counter(w for _, w in chaos.kills))}")
    cut = len(received) - len(hits)
    emails = len(cluster.smtp.snapshot())
    print(f"{len(hits)} webhook requests ({repeats} repeats, {cut} cut short), {emails} emails")
