"""`make bench`: the portal's staff and credit pages against Flask-AppBuilder's stock ModelView
list over the same table, on a generated province (50,000 people in 500 units; 1,000,000 credit
records of the 5,000 learners of 50 units), measured in-process through the Flask test client.
Progress goes to stderr, the Markdown table to stdout."""
