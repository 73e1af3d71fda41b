"""Benchmark: a larger schemathesis pass over the whole OpenAPI document.

The same harness as tests/api/test_openapi_conformance.py (tests/fixtures/openapi_fuzz.py): a
fresh app on SQLite in a temp dir, one key, a few real objects whose ids go into id paths,
schemathesis in process against the ASGI app. By default every check schemathesis has (its
``--checks all``) and more examples per operation than the suite's run. Prints the cases run,
then per check how many responses it judged and how many failed, then each distinct failure.
It asserts nothing.
Run: ``.venv/bin/python bench/schemathesis_run.py`` (``--help`` lists the knobs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fixtures import openapi_fuzz  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25, help="per operation and phase")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument(
        "--checks",
        default="all",
        help="'all', 'suite' (the suite's four) or a comma list of schemathesis check names",
    )
    parser.add_argument(
        "--phases", default="examples,coverage,fuzzing,stateful", help="comma list of phases"
    )
    parser.add_argument("--show", type=int, default=60, help="distinct failures to print")
    args = parser.parse_args()
    checks = (
        None
        if args.checks == "all"
        else openapi_fuzz.CHECKS
        if args.checks == "suite"
        else tuple(args.checks.split(","))
    )
    with tempfile.TemporaryDirectory(prefix="signet-schemathesis-") as tmp:
        target = openapi_fuzz.make_target(Path(tmp))
        started = time.monotonic()
        outcome = openapi_fuzz.run(
            target,
            max_examples=args.max_examples,
            seed=args.seed,
            checks=checks,
            phases=args.phases.split(","),
            continue_on_failure=True,
            progress=lambda line: print(
                f"  {time.monotonic() - started:5.0f} s  {line}", flush=True
            ),
        )
        elapsed = time.monotonic() - started
        target.app.state.signet.db.dispose()
    print(
        f"schemathesis: {outcome.operations} operations, {outcome.cases} cases in "
        f"{elapsed:.0f} s (max_examples={args.max_examples}, seed={args.seed}, "
        f"phases={args.phases})"
    )
    print(f"{'check':<32} {'judged':>8} {'failed':>8}")
    for name in sorted(outcome.checks_run):
        print(f"{name:<32} {outcome.checks_run[name]:>8} {outcome.failures[name]:>8}")
    print(
        f"{'total':<32} {sum(outcome.checks_run.values()):>8} {sum(outcome.failures.values()):>8}"
    )
    if outcome.findings or outcome.errors:
        print("\ndistinct failures (check, operation, title, status, message, body):")
        print(outcome.report(args.show))


if __name__ == "__main__":  # the PDF sandbox starts its workers with spawn: guard the run
    main()
