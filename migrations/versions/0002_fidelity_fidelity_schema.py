"""fidelity schema: raters, ratings, consensus, amendments, uploaded scale versions; assessment notes

Revision ID: 0002_fidelity
Revises: 0001_foundation
Create Date: 2026-11-23 12:00:48.708011

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_fidelity'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fidelity_scale_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scale_key', sa.String(length=40), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id'], name=op.f('fk_fidelity_scale_version_uploaded_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fidelity_scale_version')),
    sa.UniqueConstraint('scale_key', 'version', name=op.f('uq_fidelity_scale_version_scale_key'))
    )
    op.create_table('assessment_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('item_number', sa.Integer(), nullable=False),
    sa.Column('old_value', sa.String(length=20), nullable=False),
    sa.Column('new_value', sa.String(length=20), nullable=False),
    sa.Column('old_summary', sa.Float(), nullable=True),
    sa.Column('new_summary', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_amendment_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_assessment_amendment_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_amendment'))
    )
    with op.batch_alter_table('assessment_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_amendment_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('assessment_consensus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('item_number', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint('(value IS NULL OR value BETWEEN 1 AND 5) AND NOT (not_applicable AND value IS NOT NULL)', name=op.f('ck_assessment_consensus_value')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_consensus_assessment_id_assessment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_consensus')),
    sa.UniqueConstraint('assessment_id', 'item_number', name=op.f('uq_assessment_consensus_assessment_id'))
    )
    op.create_table('assessment_rater',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_rater_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_assessment_rater_user_id_app_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_rater')),
    sa.UniqueConstraint('assessment_id', 'user_id', name=op.f('uq_assessment_rater_assessment_id'))
    )
    with op.batch_alter_table('assessment_rater', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_rater_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('assessment_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('item_number', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(value IS NULL OR value BETWEEN 1 AND 5) AND NOT (not_applicable AND value IS NOT NULL)', name=op.f('ck_assessment_rating_value')),
    sa.ForeignKeyConstraint(['rater_id'], ['assessment_rater.id'], name=op.f('fk_assessment_rating_rater_id_assessment_rater'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_rating')),
    sa.UniqueConstraint('rater_id', 'item_number', name=op.f('uq_assessment_rating_rater_id'))
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('note')

    op.drop_table('assessment_rating')
    with op.batch_alter_table('assessment_rater', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_rater_assessment_id'))

    op.drop_table('assessment_rater')
    op.drop_table('assessment_consensus')
    with op.batch_alter_table('assessment_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_amendment_assessment_id'))

    op.drop_table('assessment_amendment')
    op.drop_table('fidelity_scale_version')
