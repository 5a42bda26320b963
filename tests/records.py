"""Small typed helpers for tests that read records: each fails the test plainly when the part it needs is absent."""

from __future__ import annotations

from queue_server.core.records import Ticket, TicketAnswer, TidalSwitch, WindowView


def called(answer: TicketAnswer) -> Ticket:
    """The ticket a call-next called; fails the test when nobody was called."""
    assert answer["ticket"] is not None, "nobody was called"
    return answer["ticket"]


def switched(window: WindowView) -> TidalSwitch:
    """What a tidal window is switched to; fails the test when it is not switched."""
    assert window["switched_to"] is not None, f"window {window['number']} is not switched"
    return window["switched_to"]


def serving(window: WindowView) -> Ticket:
    """The ticket a window serves; fails the test when it serves nobody."""
    assert window["ticket"] is not None, f"window {window['number']} serves nobody"
    return window["ticket"]
