"""The harness's own check: `reached` sees mail by each route, and the forbidden set catches a gated address."""

from __future__ import annotations

from account_intel.domain.enums import ApprovalDecision
from tests.redteam.world import KEMAL, MANAGER, RETAILCO, STRANGER, TOM, World, decide_as, draft, send


def test_reached_sees_the_store_and_the_smtp_envelope_and_forbidden_catches_a_gated_address(world: World) -> None:
    send(world, draft(world, to_address=TOM))
    assert world.reached() == {TOM} and world.sink.rcpt_tos == [TOM]
    world.assert_nothing_forbidden_reached(RETAILCO)
    approved = draft(world, to_address=TOM, cc=KEMAL)
    decide_as(world, approved, MANAGER, ApprovalDecision.APPROVED)  # a person's approval: a legitimate send
    send(world, approved)
    assert world.reached() & world.forbidden(RETAILCO) == {KEMAL}
    assert STRANGER in world.forbidden() and TOM not in world.forbidden()
