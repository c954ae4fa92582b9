"""Fixtures for the dashboard tests: the hand-worked scenario, on both databases or on SQLite only."""
from types import SimpleNamespace

import pytest

from tests.dashboards.scenario import build_scenario
from tests.helpers import Auth


@pytest.fixture
def scenario(app):
    return build_scenario()


@pytest.fixture
def lite(sqlite_app):
    """The scenario on SQLite, with a client and sign-in helper: for pages whose subject is not the database."""
    client = sqlite_app.test_client()
    return SimpleNamespace(app=sqlite_app, client=client, auth=Auth(client), scenario=build_scenario())
