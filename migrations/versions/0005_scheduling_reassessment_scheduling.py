"""reassessment scheduling: policies, due visits, reminders, notifications, scheduler runs and the job store

apscheduler_jobs is APScheduler 3's SQLAlchemyJobStore table, created here (with the columns APScheduler
declares) so that the schema exists only through migrations; the scheduler finds it and does not create it.

Revision ID: 0005_scheduling
Revises: 0001_foundation
Create Date: 2026-11-23 12:01:31.559218

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_scheduling'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('scheduler_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=60), nullable=False),
    sa.Column('run_for', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_run'))
    )
    with op.batch_alter_table('scheduler_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_run_started_at'), ['started_at'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_notification_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('reassessment_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('baseline_months', sa.Integer(), nullable=False),
    sa.Column('interval_months', sa.Integer(), nullable=False),
    sa.Column('high_interval_months', sa.Integer(), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('baseline_months >= 0', name=op.f('ck_reassessment_policy_baseline_months')),
    sa.CheckConstraint('high_interval_months > 0', name=op.f('ck_reassessment_policy_high_interval_months')),
    sa.CheckConstraint('interval_months > 0', name=op.f('ck_reassessment_policy_interval_months')),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_reassessment_policy_program_id_program'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainer_id'], ['app_user.id'], name=op.f('fk_reassessment_policy_trainer_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reassessment_policy')),
    sa.UniqueConstraint('program_id', name=op.f('uq_reassessment_policy_program_id'))
    )
    with op.batch_alter_table('reassessment_policy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reassessment_policy_trainer_id'), ['trainer_id'], unique=False)

    op.create_table('due_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('basis_assessment_id', sa.Integer(), nullable=True),
    sa.Column('marked_on', sa.Date(), nullable=False),
    sa.Column('closed_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status IN ('upcoming', 'overdue', 'closed')", name=op.f('ck_due_visit_status')),
    sa.ForeignKeyConstraint(['basis_assessment_id'], ['assessment.id'], name=op.f('fk_due_visit_basis_assessment_id_assessment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_due_visit_program_id_program'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_due_visit')),
    sa.UniqueConstraint('program_id', 'due_date', name=op.f('uq_due_visit_program_id'))
    )
    with op.batch_alter_table('due_visit', schema=None) as batch_op:
        batch_op.create_index('ix_due_visit_status', ['status', 'due_date'], unique=False)

    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('due_visit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('email_status', sa.String(length=10), nullable=False),
    sa.Column('email_attempts', sa.Integer(), nullable=False),
    sa.Column('email_claimed_at', sa.DateTime(), nullable=True),
    sa.Column('email_sent_at', sa.DateTime(), nullable=True),
    sa.Column('email_error', sa.String(length=500), nullable=True),
    sa.CheckConstraint("email_status IN ('none', 'pending', 'sending', 'sent', 'cancelled')", name=op.f('ck_reminder_email_status')),
    sa.CheckConstraint("kind IN ('upcoming', 'overdue')", name=op.f('ck_reminder_kind')),
    sa.ForeignKeyConstraint(['due_visit_id'], ['due_visit.id'], name=op.f('fk_reminder_due_visit_id_due_visit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_reminder_notification_id_notification'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_reminder_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder')),
    sa.UniqueConstraint('due_visit_id', 'user_id', 'kind', name=op.f('uq_reminder_due_visit_id'))
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_email_status', ['email_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_user_id'))
        batch_op.drop_index('ix_reminder_email_status')

    op.drop_table('reminder')
    with op.batch_alter_table('due_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_due_visit_status')

    op.drop_table('due_visit')
    with op.batch_alter_table('reassessment_policy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reassessment_policy_trainer_id'))

    op.drop_table('reassessment_policy')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')

    op.drop_table('notification')
    with op.batch_alter_table('scheduler_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_run_started_at'))

    op.drop_table('scheduler_run')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
