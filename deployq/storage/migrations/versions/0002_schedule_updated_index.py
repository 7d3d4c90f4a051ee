"""Scheduler support: index deployment_schedule.updated for the recent loop (R73), and lz4 for
the outbox's event bodies.

A scheduler pass writes ~1 KB of event per run created into the outbox; the default pglz
compression of those bodies took about a fifth of a 100,000-run pass, lz4 a fraction of that.
Servers built without lz4 keep pglz (the ALTER is skipped, not failed).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


LZ4_BODIES = """
DO $$
BEGIN
    ALTER TABLE outbox ALTER COLUMN bodies SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available; outbox bodies keep the default compression';
END
$$
"""


def upgrade() -> None:
    op.create_index(
        op.f('ix_deployment_schedule__updated'), 'deployment_schedule', ['updated'], unique=False
    )
    op.execute(LZ4_BODIES)


def downgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN bodies SET COMPRESSION default")
    op.drop_index(op.f('ix_deployment_schedule__updated'), table_name='deployment_schedule')
