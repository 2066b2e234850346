"""Voila's unbounded wait for a reply polls its socket in slices (fupin_sim.workbench.reply_polling)."""

from __future__ import annotations

import asyncio
from queue import Empty
from unittest.mock import AsyncMock

import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from fupin_sim.workbench import reply_polling

REPLY = {"msg_type": "execute_reply"}


class MissedWakeUp:
    """A socket whose reply is there from the third poll on, but whose unbounded poll never
    returns: the wake-up of its file descriptor was lost."""

    def __init__(self):
        self.polls: list[float | None] = []

    async def poll(self, timeout=None):
        self.polls.append(timeout)
        if timeout is None:
            await asyncio.get_running_loop().create_future()  # never done
        await asyncio.sleep(timeout / 1000)
        return zmq.POLLIN if len(self.polls) >= 3 else 0


@pytest.fixture
def channel(monkeypatch):
    """A kernel client's channel over a :class:`MissedWakeUp` socket, with the polling in slices of
    10 ms (restored to jupyter_client's own after the test)."""
    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", AsyncZMQSocketChannel.get_msg)
    monkeypatch.setattr(reply_polling, "POLL_SLICE_MS", 10)
    context = zmq.asyncio.Context()
    socket = context.socket(zmq.DEALER)
    made = AsyncZMQSocketChannel(socket, Session())
    made.socket = MissedWakeUp()
    monkeypatch.setattr(made, "_recv", AsyncMock(return_value=REPLY))
    yield made
    socket.close(linger=0)
    context.term()


def test_an_unbounded_wait_reads_a_reply_whose_wake_up_was_lost(channel):
    reply_polling.poll_replies_in_slices()
    reply = asyncio.run(asyncio.wait_for(channel.get_msg(), timeout=5))
    assert reply == REPLY
    assert channel.socket.polls == [10, 10, 10]  # never poll(None): it would wait for good


def test_without_the_slices_the_same_wait_never_ends(channel):
    with pytest.raises(TimeoutError):
        asyncio.run(asyncio.wait_for(channel.get_msg(), timeout=0.5))
    assert channel.socket.polls == [None]


def test_a_wait_with_a_time_limit_is_left_to_jupyter_client(channel):
    reply_polling.poll_replies_in_slices()
    reply_polling.poll_replies_in_slices()  # a second call changes nothing
    with pytest.raises(Empty):
        asyncio.run(channel.get_msg(timeout=0.02))
    assert channel.socket.polls == [20]
    assert AsyncZMQSocketChannel.get_msg.polls_in_slices
