"""make instructions (bench/instructions.py): a page's requests are counted under callgrind and
nothing else of its process is, neither the app's start nor the sign-in nor the warm-up."""
import json

from bench import instructions
from tests.helpers import PASSWORD, SECRET


def test_only_the_requests_asked_for_are_counted(app, users, database_url, tmp_root, tmp_path, monkeypatch):
    learner = users.person(users.unit("330101"), self_entry=True)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"learners": [learner.username], "admins": [], "password": PASSWORD, "year": 2025,
                                "verify_tokens": ["none"]}), encoding="utf-8")
    for name, value in {"PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": str(tmp_root / "instance"),
                        "PORTAL_SECRET_KEY": SECRET, "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/15",
                        "PORTAL_INSTRUCTIONS_PLAN": str(plan)}.items():
        monkeypatch.setenv(name, value)
    none, two = instructions.counted("learner: home", 0), instructions.counted("learner: home", 2)
    # A signed-in page is millions of instructions; switching the count on and off, with no request
    # between, is next to nothing: the start, the sign-in and the warm-up are left out.
    assert two / 2 > 2_000_000
    assert none < two / 2 / 20
