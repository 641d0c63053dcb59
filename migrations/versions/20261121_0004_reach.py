"""reach: campaign texts in several languages, thank-you text, embeds, stepping goals, sources

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )
        batch_op.add_column(sa.Column("thank_you_md", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("thank_you_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("embed_origins", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("embed_anywhere", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("goal_step_up", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=300), nullable=True))
    op.create_table(
        "campaign_texts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("campaign_id", BigId, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("statement_md", sa.Text(), nullable=False),
        sa.Column("statement_html", sa.Text(), nullable=False),
        sa.Column("thank_you_md", sa.Text(), nullable=True),
        sa.Column("thank_you_html", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_texts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_texts")),
        sa.UniqueConstraint(
            "campaign_id", "language", name=op.f("uq_campaign_texts_campaign_id_language")
        ),
    )


def downgrade() -> None:
    op.drop_table("campaign_texts")
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        for column in (
            "goal_step_up",
            "embed_anywhere",
            "embed_origins",
            "thank_you_html",
            "thank_you_md",
            "language",
        ):
            batch_op.drop_column(column)
