"""moderation at scale: partial indexes of moderated and of flagged signatures

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODERATED = "moderation != 'none'"
FLAGGED = "flag_reason IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_signatures_moderated",
        "signatures",
        ["campaign_id", "moderation", "id"],
        sqlite_where=sa.text(MODERATED),
        postgresql_where=sa.text(MODERATED),
    )
    op.create_index(
        "ix_signatures_flagged",
        "signatures",
        ["campaign_id", "id"],
        sqlite_where=sa.text(FLAGGED),
        postgresql_where=sa.text(FLAGGED),
    )


def downgrade() -> None:
    op.drop_index("ix_signatures_flagged", table_name="signatures")
    op.drop_index("ix_signatures_moderated", table_name="signatures")
