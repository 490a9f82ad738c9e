"""Flask extensions shared by the whole app (bound to an app in create_app)."""
from flask_appbuilder import Model
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

db = SQLAlchemy(metadata=Model.metadata)
migrate = Migrate()


def commit_keeping_state() -> None:
    """Commit without expiring the objects the session holds, for a hot write whose answer is
    made of what it just wrote and read (a check-in answers with its row, session and activity):
    expired, they would be read again in one more statement. Nothing else writes them meanwhile
    that the answer should show."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def postgresql_plans(config: dict) -> None:
    """On PostgreSQL, a custom plan for every statement (plan_cache_mode=force_custom_plan).

    psycopg prepares a statement on the server after a few runs, and PostgreSQL may then switch
    it to a generic plan. A generic plan cannot see that a year parameter selects whole credit
    record partitions: for the review queue it sorted all of a unit's submitted records of those
    years (11–43 ms on 1 M records) where the custom plan reads the first 20 in order (0.06 ms).
    Planning each time costs well under a millisecond (docs/partitions.md)."""
    if make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        return
    options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}).setdefault("connect_args", {})
    options["options"] = f"{options.get('options', '')} -c plan_cache_mode=force_custom_plan".strip()


def sqlite_wal(engine: Engine) -> None:
    """On SQLite, write-ahead logging: a long read (an export streaming its rows) then does not
    block every writer (the export's own progress, other requests) until it ends."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _wal)


def _wal(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")


def release_connections(app, close: bool = True) -> None:
    """Drop every pooled database connection of ``app``.

    After start-up, so that a pre-loading server (gunicorn --preload) forks its workers with no
    connection open; and in each forked worker with ``close=False``, which forgets any connection
    inherited from the parent without closing the parent's socket under it."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=close)
