"""Schemathesis hooks for Scripts/schemathesis.sh: a working token whenever the last one stops.

Generated requests log out (POST /api/users/logout) and change the password (PUT /api/user),
which end the run's session (the caller's token 5 s after a password change). With one fixed
token every authenticated operation after that would answer only 401. On a 401 schemathesis
asks for a token again and replays the request: the fuzzer user's while its password is still
password123, a newly registered user's after that.
"""
import itertools
import json
import os
import urllib.error
import urllib.request

import schemathesis

BASE = os.environ["CONDUIT_SCHEMATHESIS_BASE"]
_registrations = itertools.count()


def _user_token(path, user):
    request = urllib.request.Request(
        BASE + path, data=json.dumps({"user": user}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["user"]["token"]


@schemathesis.auth()
class ConduitToken:
    def get(self, case, context):
        try:
            return _user_token("/api/users/login", {"email": "fuzzer@example.com", "password": "password123"})
        except urllib.error.HTTPError:
            n = next(_registrations)
            return _user_token("/api/users", {
                "username": f"fuzzer{n}r{os.getpid()}", "email": f"fuzzer{n}r{os.getpid()}@example.com",
                "password": "password123"})

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Token {data}"
