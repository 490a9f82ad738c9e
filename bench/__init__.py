"""`make bench`: the portal's staff pages against Flask-AppBuilder's stock ModelView list over
the same table, on a generated province (50,000 people in 500 units), measured in-process
through the Flask test client. Progress goes to stderr, the Markdown table to stdout."""
