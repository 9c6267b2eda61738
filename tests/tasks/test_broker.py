"""The broker transport (project/broker.py): kombu's Redis transport with one Redis client
per channel. Publishes, deliveries and acknowledgements go through the real Redis."""

import uuid

import pytest
import redis
from django.conf import settings
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.transport import redis as kombu_redis

from project import broker
from project.celery import app
from tests.conftest import run_in_threads


@pytest.fixture
def queue_name():
    name = f"test-broker-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(name, f"{name}\x06\x163", f"{name}\x06\x166", f"{name}\x06\x169")


@pytest.fixture
def clients_built(monkeypatch):
    """Count the Redis clients the channels build."""
    built = []

    class CountingRedis(redis.Redis):
        def __init__(self, *args, **kwargs):
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(kombu_redis.Channel, "_get_client", lambda channel: CountingRedis)
    return built


def publish(connection, queue_name, count):
    queue = Queue(queue_name, Exchange(queue_name), routing_key=queue_name)
    with connection.channel() as channel:
        producer = Producer(channel)
        for i in range(count):
            producer.publish({"n": i}, exchange=queue.exchange, routing_key=queue_name,
                             declare=[queue])  # fmt: skip
    return queue


def test_the_app_uses_the_transport():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, broker.Transport)


def test_a_channel_builds_its_clients_once_for_all_its_publishes(clients_built, queue_name):
    with Connection(settings.CELERY_BROKER_URL, transport=broker.Transport) as connection:
        publish(connection, queue_name, 20)
    assert len(clients_built) <= 2  # the channel's own, and the one for its commands
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue_name) == 20


def test_a_channel_whose_pools_are_dropped_makes_a_new_client_on_a_new_pool(queue_name):
    """As after a fork: the client and its pool are made again, and commands work."""
    with Connection(settings.CELERY_BROKER_URL, transport=broker.Transport) as connection:
        channel = connection.channel()
        with channel.conn_or_acquire() as before:
            before.ping()
        channel._after_fork()
        with channel.conn_or_acquire() as after:
            assert after is not before and after.connection_pool is channel.pool
            assert after.connection_pool is not before.connection_pool
            assert after.lpush(queue_name, b"x") == 1
        channel.close()


def test_kombus_own_channel_builds_clients_per_publish(clients_built, queue_name):
    """What project/broker.py is for: this is the cost it removes."""
    with Connection(settings.CELERY_BROKER_URL, transport=kombu_redis.Transport) as connection:
        publish(connection, queue_name, 20)
    assert len(clients_built) >= 20


def test_messages_published_by_many_threads_are_each_consumed_and_acknowledged_once(queue_name):
    """As the web and worker threads publish: each borrows a producer of the app's pool."""
    queue = Queue(queue_name, Exchange(queue_name), routing_key=queue_name)

    def send(i):
        for j in range(25):
            with app.producer_pool.acquire(block=True) as producer:
                producer.publish({"n": i * 25 + j}, exchange=queue.exchange,
                                 routing_key=queue_name, declare=[queue])  # fmt: skip

    assert run_in_threads(send, 8) == [None] * 8
    received = []

    def on_message(body, message):
        received.append(body["n"])
        message.ack()

    with app.connection_for_read() as connection:
        assert isinstance(connection.transport, broker.Transport)
        with Consumer(connection, [queue], callbacks=[on_message], accept=["json"]):
            while len(received) < 200:
                connection.drain_events(timeout=5)
    assert sorted(received) == list(range(200))
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert client.llen(queue_name) == 0
    assert client.hlen("unacked") == 0  # every delivery acknowledged
