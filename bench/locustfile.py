"""The deadline-day mix (`make load`, driven by bench/load.py): learners signing in, listing and
querying their credits and entering records with a small evidence file, unit admins approving
in batches, and the public verifying certificates, all through the web pages as a browser sends
them (the login form with its captcha, CSRF tokens, the entry form's one-time token).

The plan (accounts, certificate tokens, the unit to name as issuer) comes from the JSON file
LOAD_PLAN; the name of every record whose submission was answered 2xx is appended to
LOAD_ANSWERED, so that bench/load.py can count that each is stored exactly once."""
from __future__ import annotations

import itertools
import json
import os
import uuid
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

from bench.mix import address, approval, entry_fields, hidden_fields

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
ANSWERED = open(os.environ["LOAD_ANSWERED"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open while locust runs)
# Each virtual user takes the next account of its kind, so no two share a session.
_learners, _admins = itertools.cycle(PLAN["learners"]), itertools.cycle(PLAN["admins"])
_tokens = itertools.cycle(PLAN["verify_tokens"])


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def multipart(fields: dict[str, str], file_field: str, file_name: str, content: bytes, media_type: str):
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
                 f"Content-Type: {media_type}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class MixUser(FastHttpUser):
    abstract = True

    def ask(self, page: str, token: str = ""):
        """GET one of the mix's pages, reported under its name."""
        return self.client.get(address(page, PLAN, token), name=page)


class SignedIn(MixUser):
    abstract = True
    accounts: itertools.cycle

    def on_start(self) -> None:
        page = self.client.get("/login/", name="sign in: form").text
        self.client.get("/login/captcha.png", name="sign in: captcha")
        data = {**hidden_fields(page), "username": next(self.accounts), "password": PLAN["password"],
                "captcha": PLAN["captcha"]}
        with self.client.post("/login/", data=urlencode(data), headers=FORM, name="sign in", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"not signed in: {response.status_code}")


class Learner(SignedIn):
    weight = 8
    wait_time = between(0.5, 1.5)
    accounts = _learners

    @task(4)
    def my_records(self):
        self.ask("learner: 录入学分查询管理")

    @task(2)
    def credit_query(self):
        self.ask("learner: 学分情况查询")

    @task(2)
    def compliance(self):
        self.ask("learner: 达标情况查询")

    @task(1)
    def home(self):
        self.ask("learner: home")

    @task(1)
    def enter_and_submit(self):
        form = self.ask("learner: entry form").text
        name = f"load-{uuid.uuid4().hex}"
        body, content_type = multipart(entry_fields(form, PLAN, name), "evidence", "证书.png", bytes.fromhex(PLAN["png_hex"]),
                                       "image/png")
        with self.client.post(address("learner: save and submit", PLAN), data=body, headers={"Content-Type": content_type},
                              name="learner: save and submit", allow_redirects=False, catch_response=True) as response:
            if response.status_code in (302, 303) and "/credits/new" not in response.headers.get("Location", ""):
                ANSWERED.write(name + "\n")
            else:
                response.failure(f"not submitted: {response.status_code}")


class UnitAdmin(SignedIn):
    weight = 1
    wait_time = between(1, 3)
    accounts = _admins

    @task
    def approve_a_page(self):
        data = approval(self.ask("admin: review queue").text)
        if not data:
            return
        with self.client.post(address("admin: approve 20", PLAN), data=urlencode(data), headers=FORM, name="admin: approve 20",
                              allow_redirects=False, catch_response=True) as response:
            # 409 is the designed answer when another session decided one of them first: the page
            # comes back with what the records hold now and nothing is decided.
            if response.status_code == 409:
                response.success()
            elif response.status_code not in (302, 303):
                response.failure(f"not decided: {response.status_code}")


class Public(MixUser):
    weight = 2
    wait_time = between(0.5, 1.5)

    @task
    def verify(self):
        self.ask("public: verify certificate", next(_tokens))
