"""Fidelity tests run on SQLite unless they say otherwise: most do not depend on the database.

Tests whose subject is the stored workflow itself are marked BOTH_DATABASES and run on PostgreSQL too.
(The shared `world`, `client` and `auth` fixtures build on `app`, so overriding `backend` keeps them.)
"""
import pytest


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param
