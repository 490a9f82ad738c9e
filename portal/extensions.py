"""Flask extensions shared by the whole app (bound to an app in create_app)."""
from flask_appbuilder import Model
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy(metadata=Model.metadata)
migrate = Migrate()
