"""What a fuzz run found: per message its reply and dead letters, the worker's pings, the queue
left behind — and the verdict: every message with reply_to answered once, every dead letter with
its reason, nothing answered `internal`, pings answered throughout, the queue empty."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from deployq.consumers.replies import ERROR_CODE
from tests.e2e.wire import Wire, body_of, header
from tests.faults.fuzz_case import Case

PING_DEADLINE = 10.0  # seconds a ping may take, however busy the worker is


@dataclass
class FuzzFindings:
    sent: int = 0
    with_reply: int = 0
    answered: int = 0
    unanswered: list[str] = field(default_factory=list)  # kinds
    answered_twice: list[str] = field(default_factory=list)
    dead: int = 0
    dead_without_reason: list[str] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    internal: list[str] = field(default_factory=list)
    pings: list[float | None] = field(default_factory=list)  # seconds, None: not in time
    stuck: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        answered_pings = [p for p in self.pings if p is not None]
        slowest = max(answered_pings, default=0.0)
        codes = ", ".join(f"{code} {n}" for code, n in sorted(self.codes.items()))
        return (
            f"{self.sent} sent ({self.with_reply} with reply_to), {self.answered} answered, "
            f"{len(self.unanswered)} unanswered, {self.dead} dead-lettered "
            f"({len(self.dead_without_reason)} without reason), {self.stuck} stuck; "
            f"pings {len(answered_pings)}/{len(self.pings)} in time (slowest {slowest:.1f} s); "
            f"codes: {codes}"
        )

    def failures(self) -> list[str]:
        found = list(self.problems)
        late = [n for n, p in enumerate(self.pings) if p is None]
        if late:
            found.append(f"pings {late[:5]} (of {len(self.pings)}) not answered in time")
        if self.unanswered:
            found.append(f"{len(self.unanswered)} unanswered, e.g. {self.unanswered[:5]}")
        if self.answered_twice:
            found.append(f"answered more than once: {self.answered_twice[:5]}")
        if self.dead_without_reason:
            found.append(f"dead letters without {ERROR_CODE}: {self.dead_without_reason[:5]}")
        if self.internal:
            kinds = sorted(set(self.internal))
            found.append(
                f"{len(self.internal)} answered `internal`, {len(kinds)} kinds:\n  "
                + "\n  ".join(kinds[:60])
            )
        if self.stuck:
            found.append(f"{self.stuck} message(s) left on the command queue")
        return found


def judge(findings: FuzzFindings, wire: Wire, sent: dict[str, Case]) -> None:
    """Tally every sent case (by correlation_id) against the replies and dead letters seen."""
    for correlation_id, case in sent.items():
        replies = wire.replies.get(correlation_id, [])
        letters = wire.dead_letters(correlation_id)
        findings.dead += len(letters)
        for letter in letters:
            if not header(letter, ERROR_CODE):
                findings.dead_without_reason.append(case.kind)
        if case.reply:
            findings.with_reply += 1
            if not replies:
                findings.unanswered.append(case.kind)
                continue
            findings.answered += 1
            if len(replies) > 1:
                findings.answered_twice.append(case.kind)
            body = body_of(replies[0])
            code = "ok" if body.get("ok") else str(body["error"]["code"])
        else:
            code = (header(letters[0], ERROR_CODE) or "?") if letters else "accepted silently"
        findings.codes[code] += 1
        if code == "internal":
            findings.internal.append(case.kind)
