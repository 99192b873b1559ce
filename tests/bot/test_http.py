"""The Bot API's aiohttp request: PTB's time-outs mapped onto aiohttp's."""

from __future__ import annotations

from bot.http import client_timeout


def test_a_new_connection_gets_the_whole_connect_time_out_not_only_the_pools() -> None:
    timeout = client_timeout(pool=1.0, connect=5.0, read=5.0)
    # aiohttp's `connect` bounds waiting for the pool AND making the connection.
    assert timeout.connect == 6.0
    assert timeout.sock_connect == 5.0
    assert timeout.sock_read == 5.0
    assert timeout.total is None


def test_no_time_out_where_ptb_asks_for_none() -> None:
    assert client_timeout(pool=None, connect=5.0, read=None).connect is None
    assert client_timeout(pool=1.0, connect=None, read=2.0).connect is None
    assert client_timeout(pool=1.0, connect=None, read=2.0).sock_read == 2.0
