"""Credit categories, with the default configuration of DOMAIN.md (and 非向导录入).

Credits are stored as integer hundredths (see portal/models/types.py). Each default category
carries its full parameters, so a later change of a plugin's defaults changes no category.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PROJECT = {"hours_per_credit": "3", "lecturer_credits_per_hour": "2", "max_credits_per_project": "10"}
MONTHS = {"months_to_deem": 6, "full_year_credits": "25", "credits_per_month": "5", "min_months": 1, "max_months": 24}
LONG, SHORT = {**MONTHS, "min_months": 6}, {**MONTHS, "max_months": 5}
PAPER = {"table": {"外国期刊": ["10", "9", "8"], "ISSN+CN期刊": ["6", "5", "4"], "省级期刊": ["5", "4", "3"]}}
RESEARCH = {"table": {"国家级": ["10", "9", "8", "7", "6"], "省级": ["8", "7", "6", "5", "4"], "市级": ["6", "5", "4", "3", "2"]}}

# (name, type, params, class, 各类学分汇总 node, yearly cap in credits, cap group)
CATEGORIES = [
    ("赴外省国家级项目", "cme_project", PROJECT, "I", "国家级继续医学教育项目", None, ""),
    ("赴外省省级(国家一级学会)项目", "cme_project",
     {"hours_per_credit": "6", "lecturer_credits_per_hour": "1", "max_credits_per_project": "10"},
     "I", "省级继续医学教育项目", None, ""),
    ("自学综述", "self_study", {"characters_per_credit": 2000}, "II", "自学笔记", 5, ""),
    ("发表论文和综述", "paper", PAPER, "II", "发表学术论文", None, ""),
    ("科研立项", "research", RESEARCH, "II", "科研立项", None, ""),
    ("单位组织的学术活动", "academic_activity", {"lecturer_credits": "2", "attendee_credits": "0.5"},
     "II", "单位和科室组织的活动", 10, "unit_activities"),
    ("出版医学著作", "publication", {"characters_per_credit": 1000}, "II", "出版医学著作", None, ""),
    ("出国考察报告、国内专题调研报告", "publication", {"characters_per_credit": 3000}, "II", "考察和研究报告", None, ""),
    ("发表医学译文", "publication", {"characters_per_credit": 1500}, "II", "医学译文", None, ""),
    ("病例讨论会、多科室案例讨论会、大查房", "academic_activity", {"lecturer_credits": "1", "attendee_credits": "0.2"},
     "II", "单位和科室组织的活动", 10, "unit_activities"),
    ("援助西部、农村、海岛、援外等医疗活动6个月及以上", "aid_work", LONG, "II", "其他II类学分", None, ""),
    ("参加援助西部、农村、海岛、援外等医疗活动不足6个月", "aid_work", SHORT, "II", "其他II类学分", None, ""),
    ("经单位批准,到外单位进修(含出国培训)6个月及以上", "training", LONG, "II", "其他II类学分", None, ""),
    ("经批准到外单位进修未满6个月", "training", SHORT, "II", "6个月以下外出进修", None, ""),
    ("在职教育外或外出进修专项培训达6个月以上", "training", LONG, "II", "其他II类学分", None, ""),
    ("初级卫技人员新、老模式规范化培训或岗位培训学分", "standardized_training", {"credits": "25"},
     "II", "国家/省继教委员会指定并统一考核的学习项目", None, ""),
    # The free form takes its class and its summary node from the record's 学分级别.
    ("非向导录入", "free_form", {"max_credits_per_record": "25"}, "II", "", None, ""),
]


def upgrade():
    table = op.create_table(
        "credit_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type_slug", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("credit_class", sa.String(length=8), nullable=False),
        sa.Column("summary_node", sa.String(length=64), nullable=False),
        sa.Column("yearly_cap", sa.Integer(), nullable=True),
        sa.Column("cap_group", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Integer(), nullable=True),
        sa.Column("valid_to", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.bulk_insert(table, [
        {"name": name, "type_slug": slug, "params": params, "credit_class": credit_class, "summary_node": node,
         "yearly_cap": cap * 100 if cap else None, "cap_group": group, "enabled": True,
         "valid_from": None, "valid_to": None, "position": position}
        for position, (name, slug, params, credit_class, node, cap, group) in enumerate(CATEGORIES, 1)
    ])


def downgrade():
    op.drop_table("credit_category")
