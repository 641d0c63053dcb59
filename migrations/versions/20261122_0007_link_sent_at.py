"""link_sent_at: the clock of an unconfirmed signature's deletion, apart from updated_at

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: instant on PostgreSQL, an ALTER TABLE ADD COLUMN on SQLite.
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_sent_at", sa.DateTime(timezone=True), nullable=True))
    # Until now updated_at timed the deletion of unconfirmed signatures; they keep that time
    # (the others need none). Committed apart from the ALTER TABLE, whose lock on PostgreSQL
    # holds back every reader of the table until its transaction ends; the UPDATE takes row
    # locks only. (Rows left NULL are timed by updated_at anyway: services/retention.py.)
    with op.get_context().autocommit_block():
        op.execute("UPDATE signatures SET link_sent_at = updated_at WHERE status = 'pending'")


def downgrade() -> None:
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_column("link_sent_at")
