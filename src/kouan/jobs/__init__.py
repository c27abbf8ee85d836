"""Durable post-commit work (a transactional outbox): ``enqueue`` a job in the caller's
transaction, ``handler`` registers what a feature does with a kind of job, a worker runs them.

Importing this package is cheap (no feature, no analytics): the spine imports it to enqueue."""

from kouan.jobs.registry import handler, subscribe

__all__ = ["enqueue", "enqueue_many", "handler", "subscribe"]


def enqueue(*args, **kwargs):  # type: ignore[no-untyped-def]
    from kouan.jobs import service

    return service.enqueue(*args, **kwargs)


def enqueue_many(*args, **kwargs):  # type: ignore[no-untyped-def]
    from kouan.jobs import service

    return service.enqueue_many(*args, **kwargs)
