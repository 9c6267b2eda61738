"""What the apps' literal statements (their queries.py) need to know of a model."""

from __future__ import annotations

from django.db.models import Field, Model


def inserted_fields(model: type[Model]) -> tuple[Field, ...]:
    """The fields save() inserts for a new row of `model`: every concrete field but the
    automatic id. A literal INSERT that lists these writes the row save() would."""
    return tuple(
        f for f in model._meta.concrete_fields if isinstance(f, Field) and not f.primary_key
    )
