"""`python run.py` migrates, loads demo data on first start when PORTAL_DEMO_DATA is on, and
serves on PORTAL_HOST:PORTAL_PORT. `app` is also the WSGI app: in production, serve it with
`gunicorn -c gunicorn.conf.py run:app` (the config pre-loads it, so the migration runs once
before the workers fork)."""
import os

from portal import create_app
from portal.extensions import release_connections
from portal.setup import prepare_database

# Whatever the portal writes (database, evidence, exports, keys, the SMS outbox) is its user's
# alone: files 0600, folders 0700.
os.umask(0o077)
app = create_app()
prepare_database(app)
# Nothing opened while preparing may be handed to forked workers: they would share one
# connection and read each other's answers.
release_connections(app)

if __name__ == "__main__":
    print(f"CME Portal: http://{app.config['HOST']}:{app.config['PORT']}/", flush=True)
    if app.config["DEMO_DATA"]:
        print(f"Demo accounts: {app.instance_path}/demo-credentials.txt", flush=True)
    app.run(host=app.config["HOST"], port=app.config["PORT"])
