"""Celery's broker transport: kombu's Redis transport, except that a channel keeps one
Redis client for its commands instead of building one for each.

kombu's channel makes a new `redis.Redis` (sharing the channel's connection pool) for every
publish, every delivery it records and every acknowledgement; building one fills a table
of ~300 response callbacks, which was a third of a publish's CPU. A `redis.Redis` keeps no
state besides that table and its pool (every command borrows a connection from the pool),
so one per channel serves every thread that uses the channel, and the connections, the
pool and what is sent are the same as before."""

from contextlib import contextmanager

from kombu.transport import redis
from kombu.utils.objects import cached_property


class Channel(redis.Channel):
    @cached_property
    def _commands_client(self):
        return self._create_client()

    @contextmanager
    def conn_or_acquire(self, client=None):
        yield client or self._commands_client

    def _disconnect_pools(self):
        # kombu drops the channel's pools (after a fork, on close): the client goes with
        # its pool, and the next command makes both again.
        super()._disconnect_pools()
        self.__dict__.pop("_commands_client", None)


class Transport(redis.Transport):
    Channel = Channel
