"""Flask extensions shared by the whole app (bound to an app in create_app)."""
from flask_appbuilder import Model
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, event

db = SQLAlchemy(metadata=Model.metadata)
migrate = Migrate()


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
