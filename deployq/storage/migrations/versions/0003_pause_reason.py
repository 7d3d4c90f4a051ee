"""Pause with a reason (CONTRACT §8): `deployment.paused_at` and `deployment.paused_reason`.

A deployment paused before this revision gets `paused_at` = its last update, the best instant
known for it; the downgrade drops both columns.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('deployment', sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('deployment', sa.Column('paused_reason', sa.Text(), nullable=True))
    op.execute("UPDATE deployment SET paused_at = updated WHERE paused")


def downgrade() -> None:
    op.drop_column('deployment', 'paused_reason')
    op.drop_column('deployment', 'paused_at')
