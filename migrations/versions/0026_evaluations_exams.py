"""项目评价 and 在线考试: evaluation forms, answers kept apart from who evaluated; exam questions
with versions, exam settings, attempts with their drawn slots.

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation_form",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
    )
    op.create_table(
        "activity_evaluation",
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), primary_key=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "evaluation_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("teachers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
    )
    op.create_index("ix_evaluation_answer_activity_id", "evaluation_answer", ["activity_id"])
    op.create_table(
        "activity_evaluated",
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), primary_key=True),
    )
    op.create_table(
        "exam_question",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_exam_question_activity_id", "exam_question", ["activity_id"])
    op.create_table(
        "exam_question_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question_id", sa.Integer(), sa.ForeignKey("exam_question.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("question_id", "version", name="uq_exam_question_version"),
    )
    op.create_table(
        "exam",
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), primary_key=True),
        sa.Column("draw_single", sa.Integer(), nullable=False),
        sa.Column("draw_multiple", sa.Integer(), nullable=False),
        sa.Column("draw_judge", sa.Integer(), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), nullable=False),
        sa.Column("time_limit_s", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("wait_s", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "exam_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("visibility_changes", sa.Integer(), nullable=False),
        sa.UniqueConstraint("activity_id", "person_id", "number", name="uq_exam_attempt_number"),
    )
    op.create_index("ix_exam_attempt_person_id", "exam_attempt", ["person_id"])
    op.create_index("ix_exam_attempt_state_deadline", "exam_attempt", ["state", "deadline"])
    op.create_table(
        "exam_attempt_slot",
        sa.Column("attempt_id", sa.Integer(), sa.ForeignKey("exam_attempt.id"), primary_key=True),
        sa.Column("slot", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("exam_question_version.id"), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("saved_at", sa.DateTime(), nullable=True),
    )


def downgrade():
    op.drop_table("exam_attempt_slot")
    op.drop_index("ix_exam_attempt_state_deadline", table_name="exam_attempt")
    op.drop_index("ix_exam_attempt_person_id", table_name="exam_attempt")
    op.drop_table("exam_attempt")
    op.drop_table("exam")
    op.drop_table("exam_question_version")
    op.drop_index("ix_exam_question_activity_id", table_name="exam_question")
    op.drop_table("exam_question")
    op.drop_table("activity_evaluated")
    op.drop_index("ix_evaluation_answer_activity_id", table_name="evaluation_answer")
    op.drop_table("evaluation_answer")
    op.drop_table("activity_evaluation")
    op.drop_table("evaluation_form")
