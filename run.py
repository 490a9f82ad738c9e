"""`python run.py` migrates, loads demo data on first start when PORTAL_DEMO_DATA is on, and
serves on PORTAL_HOST:PORTAL_PORT. `app` is also the WSGI app (gunicorn: use --preload so
the migration runs once, before the workers fork)."""
from portal import create_app
from portal.setup import prepare_database

app = create_app()
prepare_database(app)

if __name__ == "__main__":
    app.run(host=app.config["HOST"], port=app.config["PORT"])
