"""The app `make load` serves (`gunicorn -c gunicorn.conf.py bench.load_wsgi:app`): the shipped
configuration from the environment (scrypt passwords, sessions and rate limits in Redis), with
two changes a load generator on one address needs: the captcha's answer is fixed (a person reads
the picture; the picture is still drawn for every sign-in), and the per-address limits are
raised (a province's traffic comes from many addresses, this test's from one)."""
from portal import create_app
from portal.extensions import release_connections
from tests.helpers import CAPTCHA

ONE_ADDRESS = "1000000 per minute"

app = create_app({"CAPTCHA_TEST_ANSWER": CAPTCHA, "AUTH_RATE_LIMIT": ONE_ADDRESS, "CAPTCHA_RATE_LIMIT": ONE_ADDRESS,
                  "VERIFY_RATE_LIMIT": ONE_ADDRESS, "SMS_RATE_LIMIT": ONE_ADDRESS})
release_connections(app)
