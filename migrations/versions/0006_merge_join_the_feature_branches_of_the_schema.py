"""join the feature branches of the schema

Revision ID: 0006_merge
Revises: 0002_fidelity, 0003_imports, 0004_dashboards, 0005_scheduling
Create Date: 2026-11-23 12:38:40.497438

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_merge'
down_revision = ('0002_fidelity', '0003_imports', '0004_dashboards', '0005_scheduling')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
