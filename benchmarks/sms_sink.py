"""The SMS sender of benchmark runs (SMS_BACKEND=sms_sink.Sender, loaded by the worker).

It waits SMS_DELAY_MIN..SMS_DELAY_MAX seconds like the simulated sender, then keeps the
text in Redis for benchmarks/run.py, which reads the login codes from there and counts the
delivered SMS. It imports nothing from the service, so every version of the code can load
it through the sender setting.
"""

from __future__ import annotations

import os
import random
import time

import redis

KEY = "benchsink:"
_client = redis.Redis.from_url(os.environ["REDIS_URL"])


class Sender:
    name = "sink"

    def send(self, *, phone: str, text: str) -> str:
        low = float(os.environ.get("SMS_DELAY_MIN", "0"))
        high = float(os.environ.get("SMS_DELAY_MAX", "0"))
        time.sleep(random.uniform(low, max(low, high)))  # a delay, not a secret
        with _client.pipeline() as pipe:
            pipe.set(KEY + phone, text, ex=3600).incr(KEY + "sent").execute()
        return f"sink-{phone}"
