"""API tokens on real storage (SQLite and PostgreSQL): shown once, kept as a hash, one
live token per name, revoked at once."""

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.actors import api_name
from bot.adapters.db.tokens import SqlTokenStore
from bot.api_tokens import TokenService, actor_of
from bot.errors import IncidentError, UsageError
from bot.permissions import NotPermitted, Permissions, PermissionsPolicy
from models import ApiToken, TokenScope
from tests.storage.test_incident_store import Clock, race

ADMINS = PermissionsPolicy(admins=("U_ADMIN",))


@pytest.fixture
def tokens(engine: Engine, clock: Clock) -> TokenService:
    return TokenService(SqlTokenStore(engine), clock, Permissions(ADMINS))


def test_a_token_is_shown_once_and_kept_only_as_a_hash(
    tokens: TokenService, engine: Engine
) -> None:
    issued = tokens.create("deploy-bot", TokenScope.WRITE, False, None)

    assert issued.secret.startswith("sitrep_") and len(issued.secret) > 40
    with Session(engine) as session:
        [stored] = session.exec(select(ApiToken)).all()
    assert issued.secret not in stored.model_dump_json()
    assert tokens.authenticate(issued.secret) == issued.token
    assert tokens.authenticate(issued.secret + "x") is None
    assert tokens.authenticate("not-even-shaped-like-one") is None


def test_revoking_stops_a_token_at_once_and_frees_its_name(tokens: TokenService) -> None:
    first = tokens.create("ci", TokenScope.READ, False, None)

    revoked = tokens.revoke("ci", None)

    assert revoked.revoked_at is not None
    assert tokens.authenticate(first.secret) is None
    second = tokens.create("ci", TokenScope.WRITE, True, None)
    assert tokens.authenticate(second.secret) == second.token
    assert [t.name for t in tokens.live(None)] == ["ci"]
    with pytest.raises(IncidentError, match="no live token"):
        tokens.revoke("nobody", None)


def test_racing_creations_of_one_name_make_one_token(tokens: TokenService) -> None:
    results = race(4, lambda: tokens.create("portal", TokenScope.READ, False, None))

    made = [r for r in results if not isinstance(r, IncidentError)]
    assert len(made) == 1
    assert [t.name for t in tokens.live(None)] == ["portal"]


@pytest.mark.parametrize("name", ["", "Has Space", "-dash-first", "x" * 29, "ünïcode"])
def test_bad_names_are_refused(tokens: TokenService, name: str) -> None:
    with pytest.raises(UsageError):
        tokens.create(name, TokenScope.READ, False, None)
    assert tokens.live(None) == []


def test_a_token_acts_under_its_name(tokens: TokenService) -> None:
    token = tokens.create("x" * 28, TokenScope.WRITE, False, None).token

    actor = actor_of(token)

    assert len(actor) <= 32  # fits where a Slack user ID goes
    assert api_name(actor) == "x" * 28
    assert api_name("U_ALICE") is None and api_name(None) is None


def test_only_admins_manage_tokens_in_slack(tokens: TokenService) -> None:
    with pytest.raises(NotPermitted, match="admins"):
        tokens.create("mine", TokenScope.WRITE, True, "U_MALLORY")
    with pytest.raises(NotPermitted):
        tokens.live("U_MALLORY")
    made = tokens.create("theirs", TokenScope.READ, False, "U_ADMIN")
    with pytest.raises(NotPermitted):
        tokens.revoke("theirs", "U_MALLORY")
    assert made.token.created_by == "U_ADMIN"
    assert [t.name for t in tokens.live("U_ADMIN")] == ["theirs"]
