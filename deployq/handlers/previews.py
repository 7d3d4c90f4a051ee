"""`deployment.schedules.preview` (CONTRACT §8): a read; it creates and announces nothing."""

from __future__ import annotations

from datetime import datetime

from deployq.errors import Conflict
from deployq.handlers import missing
from deployq.messages.previews import Preview, PreviewItem, PreviewSchedules
from deployq.scheduling import document
from deployq.scheduling.occurring import Occurrence, merged, upcoming
from deployq.storage.unit_of_work import UnitOfWork


async def preview_schedules(
    command: PreviewSchedules, uow: UnitOfWork, *, now: datetime
) -> Preview:
    """The first `n` instants from `start` (default now) to `end`, as R10 walks them: for a
    deployment, its active schedules merged in time order (ties by schedule id); for a schedule
    object, that schedule resolved as `deployment.schedules.create` would store it."""
    start = command.start or now
    if command.schedule is not None:
        spec = document.spec(document.resolve(command.schedule, now=now))
        return _preview(upcoming(spec, None, start, command.end, command.n))
    deployment_id = command.deployment_id
    assert deployment_id is not None  # the model requires one of the two
    if not await uow.deployments.exists(deployment_id):
        raise missing.deployment(deployment_id)
    schedules = await uow.schedules.for_deployment(deployment_id, active=True)
    try:
        found = merged(schedules, start, command.end, command.n)
    except ValueError as error:
        raise Conflict(f"a stored schedule cannot be computed: {error}") from error
    return _preview(found)


def _preview(found: list[Occurrence]) -> Preview:
    return Preview(
        items=[PreviewItem(schedule_id=o.schedule_id, scheduled_time=o.at) for o in found]
    )
