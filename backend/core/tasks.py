"""Celery tasks under names that say where they live and what they do
(`auth_phone.deliver_login_code`), and under the names an earlier release gave them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from celery import shared_task


def task(name: str, *, formerly: Iterable[str] = (), **options) -> Callable:
    """`shared_task(name=name, **options)`; the same function is also registered under
    each name in `formerly`, so that a message the previous release queued under it (an
    SMS waiting in the broker during an upgrade) still runs."""

    def register(function: Callable):
        for old in formerly:
            shared_task(name=old, **options)(function)
        return shared_task(name=name, **options)(function)

    return register
