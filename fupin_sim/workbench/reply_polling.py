"""Voila's wait for a cell's reply, made to look at its socket again every second.

A dashboard page sometimes never finished loading (the comparison page most often; figures
below): the page's kernel had run the cell, its variables existed and its ``idle`` status had reached
Voila, yet Voila went on waiting for the cell's ``execute_reply`` and the page showed its
spinner for good. Voila waits for that reply through nbclient with no time limit, which ends in
jupyter_client's ``AsyncZMQSocketChannel.get_msg(timeout=None)``: one ``socket.poll(None)``
that wakes only on the socket's edge-triggered file descriptor. A send on the same socket can
consume that edge (libzmq documents that a socket may become readable after ``zmq_send``
without its descriptor signalling; ipython/ipykernel#1554 is the same trap on the kernel's
side), and a reply that arrives in that window is never noticed.

:func:`poll_replies_in_slices` makes such an unbounded wait poll in slices of
:data:`POLL_SLICE_MS`: each new ``poll`` checks the socket's events afresh, so a reply that is
there is read within a second. Measured on 3 December 2026 (Voila 0.5.13, jupyter_client
8.10, pyzmq 27.3, ipykernel 7.4; 6.31 stalled too): without it the comparison page stalled in
4 of 7 loads beside the front page and 1 of 5 alone; with it, it loaded in all 15 beside the
front page and all 6 alone. Waits with a time limit are left as they are.
"""

from __future__ import annotations

import functools
from typing import Any

from jupyter_client.channels import AsyncZMQSocketChannel

POLL_SLICE_MS = 1000  # how long one poll of an unbounded wait lasts before the socket is checked again


def poll_replies_in_slices() -> None:
    """Make every unbounded ``AsyncZMQSocketChannel.get_msg`` in this process poll in slices.

    Idempotent; the Voila launcher (:func:`fupin_sim.workbench.dashboard.main`) calls it
    before the server starts.
    """
    if getattr(AsyncZMQSocketChannel.get_msg, "polls_in_slices", False):
        return
    bounded_get_msg = AsyncZMQSocketChannel.get_msg

    @functools.wraps(bounded_get_msg)
    async def get_msg(self: AsyncZMQSocketChannel, timeout: float | None = None) -> dict[str, Any]:
        if timeout is not None:
            return await bounded_get_msg(self, timeout)
        while not await self.socket.poll(POLL_SLICE_MS):
            pass
        return await self._recv()

    get_msg.polls_in_slices = True
    AsyncZMQSocketChannel.get_msg = get_msg
