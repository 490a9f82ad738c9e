"""Credit records, their evidence files and audit trail.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('type_slug', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('activity_name', sa.String(length=200), nullable=False),
    sa.Column('activity_number', sa.String(length=64), nullable=False),
    sa.Column('activity_date', sa.Date(), nullable=False),
    sa.Column('activity_type', sa.String(length=32), nullable=False),
    sa.Column('credit_level', sa.String(length=32), nullable=False),
    sa.Column('hosting_method', sa.String(length=32), nullable=False),
    sa.Column('discipline', sa.String(length=32), nullable=False),
    sa.Column('sub_discipline', sa.String(length=32), nullable=False),
    sa.Column('issuing_unit_id', sa.Integer(), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('wizard_rule', sa.String(length=64), nullable=False),
    sa.Column('credits', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('credit_class', sa.String(length=8), nullable=False),
    sa.Column('deems_compliant', sa.Boolean(), nullable=False),
    sa.Column('score_note', sa.String(length=200), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['credit_category.id'], ),
    sa.ForeignKeyConstraint(['corrects_id'], ['credit_record.id'], ),
    sa.ForeignKeyConstraint(['issuing_unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.create_index('ix_credit_record_person_date', ['person_id', 'activity_date'], unique=False)
        batch_op.create_index('ix_credit_record_unit_status_date', ['unit_id', 'status', 'activity_date'], unique=False)
        batch_op.create_index('ix_credit_record_unit_status_submitted', ['unit_id', 'status', 'submitted_at'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_record_id'), ['record_id'], unique=False)

    op.create_table('evidence_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name')
    )
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_file_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_file_record_id'), ['record_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_file_record_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_file_person_id'))

    op.drop_table('evidence_file')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_record_id'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_record_unit_status_submitted')
        batch_op.drop_index('ix_credit_record_unit_status_date')
        batch_op.drop_index('ix_credit_record_person_date')

    op.drop_table('credit_record')
