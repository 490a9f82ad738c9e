from portal.accounts.password_policy import password_problems


def test_short_common_username_and_id_digits_are_refused(app):
    with app.test_request_context():
        assert password_problems("Ab3$x", "zhangsan")           # too short
        assert password_problems("password123", "zhangsan")     # common
        assert password_problems("Woaini1314", "zhangsan")      # common, case-insensitive
        assert password_problems("zhangsan-2024", "zhangsan")   # contains the username
        assert password_problems("xy198001015z", "li", "330102198001011234")  # 6+ digits of the ID
        assert password_problems("Kx7!river-stone", "zhangsan", "330102198001011234") == []


def test_messages_say_how_to_fix_in_chinese(app):
    with app.test_request_context():
        problems = password_problems("123", "zhangsan")
    assert any("8" in p for p in problems)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p) for p in problems)
