"""The bench app as gunicorn serves it (`gunicorn -c gunicorn.conf.py bench.wsgi:app`): the real
portal plus the stock FAB lists, on the database and instance folder the bench built."""
import os
from pathlib import Path

from bench.app import make_app
from portal.extensions import release_connections

app = make_app(os.environ["PORTAL_DATABASE_URL"], Path(os.environ["PORTAL_INSTANCE_PATH"]))
release_connections(app)
