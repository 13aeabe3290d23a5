"""The red team's world and its one question: did any mail reach someone it must not?

Three customers and their people, seeded with the pipeline tests' RetailCo factory:

- RetailCo (ACCT-2001, T2): Tom Wilson (champion), Jennifer Martinez, Kemal Patel (do-not-contact); AE Avery Stone.
- MegaCorp (ACCT-1001, T1): the same cast under its own addresses; its AE, Riley Moss, has been deactivated.
- Globex (ACCT-3001, T2): an ordinary account, whose contacts are foreign to RetailCo's runs; AE Jordan Blake.

Users with a token each: the AEs, a manager, a CSM and an AM. `reached` reads every route mail takes out of the
product: messages marked sent in the store (their recipient rows and To/Cc/Bcc lines), `.eml` files in the outbox
and every RCPT TO the loopback SMTP sink was given. `Forbidden` is, from the contacts as seeded: every T1 contact, every
do-not-contact contact, every address that is no contact's and, for a run of one account, every other account's contact.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy import select, text
from typer.testing import CliRunner, Result

from account_intel.approvals import decide_message
from account_intel.cli.app import app
from account_intel.deliverables.outreach import send_and_deliver
from account_intel.domain.email_address import parse_recipients
from account_intel.domain.enums import ApprovalDecision, MessageStatus, Tier, UserRole
from account_intel.runs.brief import BriefResult
from account_intel.settings import Settings, load_settings
from account_intel.store.engine import Store
from account_intel.store.models import Account, Contact, MessageRecipient, OutboundMessage, User
from account_intel.store.outbound import draft_message
from tests.agents.support import _answers, _brief
from tests.factories import T0, add_contact, add_user, token_env
from tests.llm_scripts import BASE_URL
from tests.pipeline_support import seed_retailco
from tests.test_delivery_smtp import HOST, Collector, _free_port

RETAILCO, MEGACORP, GLOBEX = "ACCT-2001", "ACCT-1001", "ACCT-3001"
TOM = "twilson@acct-2001.test"  # RetailCo's champion: the one address a RetailCo attack may reach
JENNIFER = "jmartinez@acct-2001.test"
KEMAL = "kpatel@acct-2001.test"  # do-not-contact
T1_TOM = "twilson@acct-1001.test"  # MegaCorp (T1)
T1_JENNIFER = "jmartinez@acct-1001.test"
FOREIGN_TOM = "twilson@acct-3001.test"  # Globex: ungated, but not RetailCo's
STRANGER = "someone@elsewhere.test"  # no contact's address

AE, AM, MANAGER, CSM = "U-AE", "U-AM", "U-MGR", "U-CSM"  # pipeline_support's people; AE is RetailCo's
OTHER_AE, GONE_AE = "U-AE2", "U-AE-GONE"  # Globex's AE; MegaCorp's AE, deactivated after getting a token


class Sink(Collector):
    """The loopback SMTP server's handler: keeps every RCPT TO it is given, accepted or not."""

    def __init__(self) -> None:
        super().__init__()
        self.rcpt_tos: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.rcpt_tos.append(address)
        return await super().handle_RCPT(server, session, envelope, address, options)


@contextmanager
def serve_sink() -> Iterator[tuple[Sink, int]]:
    """A plain SMTP server on loopback (no STARTTLS, no AUTH) recording into a `Sink`, and its port."""
    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname=HOST, port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def seed_world(store: Store) -> None:
    """RetailCo (T2), MegaCorp (T1) and Globex (T2) with their contacts and AEs (see the module docstring)."""
    seed_retailco(store)
    seed_retailco(store, account_id=MEGACORP, name="MegaCorp", arr="600000")
    seed_retailco(store, account_id=GLOBEX, name="Globex", arr="150000")
    with store.transaction() as session:
        add_user(session, OTHER_AE, UserRole.AE, "Jordan Blake")
        add_user(session, GONE_AE, UserRole.AE, "Riley Moss")
        session.flush()
        kemal = add_contact(session, f"{RETAILCO}-KEMAL", RETAILCO, dnc=True)
        kemal.name, kemal.email = "Kemal Patel", KEMAL
        for account_id, ae in ((MEGACORP, GONE_AE), (GLOBEX, OTHER_AE)):
            account = session.get(Account, account_id)
            assert account is not None
            account.ae_id = ae


@dataclass(frozen=True)
class Forbidden:
    """Addresses no attack may reach: the gated ones, the foreign ones, and any address that is no contact's."""

    gated: frozenset[str]
    known: frozenset[str]

    def __contains__(self, address: object) -> bool:
        return address in self.gated or address not in self.known

    def __rand__(self, reached: set[str]) -> set[str]:
        return {address for address in reached if address in self}


def forbidden_for(store: Store, account_id: str | None = None) -> Forbidden:
    """The forbidden set as the contacts table says now: T1 and do-not-contact contacts, unknown addresses and,
    for a run of `account_id`, every other account's contacts."""
    with store.sessions() as session:
        rows = session.execute(
            select(Contact.email, Contact.account_id, Contact.do_not_contact, Account.tier).join(
                Account, Account.id == Contact.account_id
            )
        ).all()
    known = {email.strip().lower() for email, *_ in rows if email}
    gated = {
        email.strip().lower()
        for email, owner, dnc, tier in rows
        if email and (dnc or tier == Tier.T1 or (account_id is not None and owner != account_id))
    }
    return Forbidden(frozenset(gated), frozenset(known))


def _store_reached(store: Store) -> set[str]:
    with store.sessions() as session:
        sent = list(session.scalars(select(OutboundMessage).where(OutboundMessage.status == MessageStatus.SENT)))
        rows = session.scalars(
            select(MessageRecipient.address).where(MessageRecipient.message_id.in_([m.id for m in sent]))
        )
        reached = {address.strip().lower() for address in rows}
    for message in sent:
        reached |= {r.address for r in parse_recipients(message.to_address, message.cc, message.bcc)}
    return reached


def _outbox_reached(home: Path) -> set[str]:
    reached: set[str] = set()
    for path in sorted((home / "outbox").glob("*.eml")) if (home / "outbox").is_dir() else []:
        email = message_from_bytes(path.read_bytes(), policy=email_policy.default)
        lines = [str(email[header]) for header in ("To", "Cc", "Bcc") if email[header]]
        reached |= {address.strip().lower() for _, address in getaddresses(lines) if address.strip()}
    return reached


def reached(store: Store, home: Path, sink: Sink) -> set[str]:
    """Every address that got mail by any route: sent in the store, an `.eml` in the outbox, an SMTP envelope."""
    smtp = {address.strip().lower() for address in sink.rcpt_tos}
    return _store_reached(store) | _outbox_reached(home) | smtp


@dataclass
class World:
    """One test's store, home, SMTP sink and tokens, with the question every attack ends on."""

    store: Store
    home: Path
    sink: Sink
    tokens: Mapping[str, dict[str, str]]
    before: Forbidden = field(init=False)

    def __post_init__(self) -> None:
        self.before = forbidden_for(self.store)

    def reached(self) -> set[str]:
        """Every address mail reached so far (see `reached`)."""
        return reached(self.store, self.home, self.sink)

    def forbidden(self, account_id: str | None = None) -> Forbidden:
        """The forbidden set as seeded (an attack that lifts a flag does not shrink it), plus the foreign contacts
        of a run of `account_id`."""
        now = forbidden_for(self.store, account_id)
        return Forbidden(self.before.gated | now.gated, self.before.known)

    def assert_nothing_forbidden_reached(self, account_id: str | None = None) -> None:
        """The red team's one assertion: no gated, foreign or unknown address got mail by any route."""
        got = self.reached()
        assert got & self.forbidden(account_id) == set(), f"reached {sorted(got)}"

    def settings(self) -> Settings:
        """The product's settings from the environment (home, SMTP to the sink)."""
        return load_settings()

    def cli(self, *args: str, user: str | None = None) -> Result:
        """Run the CLI in-process against this store, signed in as `user` (None: no token at all)."""
        env = {"COLUMNS": "200", **(self.tokens[user] if user else {})}
        return CliRunner().invoke(app, [*args, "--db", self.store.url], env=env)


def issue_tokens(store: Store) -> dict[str, dict[str, str]]:
    """A token for each user; then MegaCorp's AE is deactivated, keeping a token that must prove nothing."""
    with store.sessions() as session:
        users = list(session.scalars(select(User.id)))
    tokens = {user: token_env(store.url, user) for user in users}
    with store.transaction() as session:
        gone = session.get(User, GONE_AE)
        assert gone is not None
        gone.active = False
    return tokens


# --- the moves every attack is made of -------------------------------------------------------------------------------


def draft(world: World, **fields: Any) -> str:
    """A draft through the Python API (RetailCo, by its AM, unless `fields` say otherwise); its id."""
    values: dict[str, Any] = {"account_id": RETAILCO, "subject": "Hello", "body": "Hi there", "at": T0}
    with world.store.transaction() as session:
        return draft_message(session, **{"created_by": AM, **values, **fields}).id


def decide_as(world: World, message_id: str, user_id: str, decision: ApprovalDecision, note: str | None = None) -> None:
    """A decision through the approvals service, as `user_id`, at the server's time."""
    with world.store.transaction() as session:
        approver = session.get(User, user_id)
        assert approver is not None
        decide_message(
            session, message_id=message_id, approver=approver, decision=decision, at=datetime.now(UTC),
            home=world.home, note=note,
        )  # fmt: skip


def send(world: World, message_id: str, actor: str = AE) -> None:
    """Mark sent and deliver (SMTP to the sink) in one transaction: the route agent drafts and `approvals send` take."""
    send_and_deliver(world.store, world.settings(), message_id, at=datetime.now(UTC), actor=actor)


def status(world: World, message_id: str) -> MessageStatus:
    """A message's status in the store."""
    with world.store.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        return message.status


def raw(world: World, statement: str, **params: Any) -> None:
    """One SQL statement in its own transaction, as an operator holding the database URL would run it."""
    with world.store.engine.begin() as conn:
        conn.execute(text(statement), params)


def llm_brief(world: World, respx_mock: Any, model: Any, out: Path, account: str = RETAILCO) -> BriefResult:
    """A brief of `account` on the llm brain, its endpoint scripted at the HTTP level by `model`."""
    settings = world.settings().model_copy(update={"openai_base_url": BASE_URL, "openai_api_key": SecretStr("sk-t")})
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=model)
    return _brief(world.store, settings, out, account=account)


def scripted_answers(world: World, account: str = RETAILCO) -> dict[str, dict[str, Any]]:
    """What a faithful model would answer for `account` (the rules brain's outputs), for a script to edit."""
    settings = world.settings().model_copy(update={"openai_base_url": BASE_URL})
    return _answers(world.store, settings, account)


def drafts_stay_home(world: World, account: str = RETAILCO) -> None:
    """Every message in the store is filed under `account`, to its contacts, within the caps, and none was sent."""
    with world.store.sessions() as session:
        owners = {c.id: c.account_id for c in session.scalars(select(Contact))}
        for message in session.scalars(select(OutboundMessage)):
            assert message.status != MessageStatus.SENT, message.id
            assert message.account_id == account and owners.get(message.contact_id or "") == account, message.id
            assert "\r" not in message.subject and "\n" not in message.subject and len(message.body) <= 5000
