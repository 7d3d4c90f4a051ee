"""deployq's dates against Prefect's own schedule classes, on many seeded random schedules.

Prefect is not a dependency: point DEPLOYQ_TEST_PREFECT_PYTHON at the python of a separate venv
that has it (e.g. `python3 -m venv /work/prefect-venv && /work/prefect-venv/bin/pip install
prefect`); without it this test is skipped. All cases go to `prefect_reference.py` in one
subprocess call. DEPLOYQ_TEST_DIFF_CASES (cases per kind) and DEPLOYQ_TEST_DIFF_SEED vary the run;
DEPLOYQ_TEST_DIFF_DUMP names a file to write the mismatches to.

Cases where the spec departs from Prefect on purpose (or Prefect is plainly wrong) are classified
by `prefect_exclusions.classify` and counted rather than compared; everything else must match
to the microsecond and the offset.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from deployq.occurrences import dates
from tests.unit.occurrences.prefect_cases import Case, generate
from tests.unit.occurrences.prefect_exclusions import EXCLUSIONS, classify

REFERENCE = Path(__file__).with_name("prefect_reference.py")
PREFECT_PYTHON = os.environ.get("DEPLOYQ_TEST_PREFECT_PYTHON", "")
CASES_PER_KIND = int(os.environ.get("DEPLOYQ_TEST_DIFF_CASES", "500"))
SEED = int(os.environ.get("DEPLOYQ_TEST_DIFF_SEED", "20240611"))


def _as_pairs(found: list[datetime]) -> list[list[Any]]:
    pairs: list[list[Any]] = []
    for moment in found:
        offset = moment.utcoffset()
        assert offset is not None
        pairs.append([moment.astimezone(UTC).isoformat(), offset.total_seconds()])
    return pairs


def _reference(cases: list[Case]) -> list[dict[str, Any]]:
    environment = {**os.environ, "PREFECT_HOME": "/tmp/deployq-prefect-reference"}
    done = subprocess.run(
        [PREFECT_PYTHON, str(REFERENCE)],
        input=json.dumps([case.payload for case in cases]),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=environment,
    )
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


@pytest.mark.slow
@pytest.mark.skipif(
    not PREFECT_PYTHON or not Path(PREFECT_PYTHON).exists(),
    reason="set DEPLOYQ_TEST_PREFECT_PYTHON to a python that has Prefect installed",
)
def test_dates_match_prefect_except_documented_departures(record_property: Any) -> None:
    cases = generate(SEED, CASES_PER_KIND)
    answers = _reference(cases)
    compared: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    mismatches = []
    for case, answer in zip(cases, answers, strict=True):
        found = dates(case.spec, case.start, case.end, case.n)
        exclusion = classify(case, found)
        if exclusion is not None:
            assert exclusion in EXCLUSIONS
            excluded[exclusion] += 1
            continue
        compared[case.payload["kind"]] += 1
        ours = _as_pairs(found)
        if answer.get("dates") != ours:
            mismatches.append({"case": case.payload, "deployq": ours, "prefect": answer})
    summary = (
        f"differential vs Prefect: {sum(compared.values())} compared {dict(compared)}, "
        f"{sum(excluded.values())} excluded {dict(excluded)}, {len(mismatches)} mismatched"
    )
    print(summary, file=sys.stderr)
    record_property("differential", summary)
    if os.environ.get("DEPLOYQ_TEST_DIFF_DUMP"):
        Path(os.environ["DEPLOYQ_TEST_DIFF_DUMP"]).write_text(json.dumps(mismatches, indent=1))
    assert sum(compared.values()) > sum(excluded.values())
    assert not mismatches, f"{summary}; first: {json.dumps(mismatches[:3], indent=1)}"
