"""Scale-out tests need PostgreSQL (skipped without it, failed in CI) and the ``weed`` binary."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from webhooks.webhook_kit import Receiver

from scaleout.cluster import Cluster, pg_problem


@pytest.fixture
def cluster_factory(tmp_path: Path) -> Iterator[Callable[..., Cluster]]:
    problem = pg_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    started: list[Cluster] = []

    def start(**kw: Any) -> Cluster:
        cluster = Cluster(tmp_path / f"cluster{len(started)}", **kw)
        started.append(cluster)
        return cluster.__enter__()

    yield start
    for cluster in started:
        cluster.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    hook.start()
    yield hook
    hook.stop()
