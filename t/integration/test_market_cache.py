"""The per-process marketplace page cache (QNFTMarketCacheTTL), on a
one-process server sharing the test database."""

import time

import pytest
import requests

from conftest import extra_server


@pytest.fixture(scope="module")
def cached(env):
    h = extra_server(env, "QNFTMarketCacheTTL 1500\n")
    yield h
    h.stop()


def test_a_page_is_served_from_memory_until_it_expires(env, cached):
    if env.pg.psql("SELECT count(*) FROM nfts WHERE status = 'confirmed'") == "0":
        pytest.skip("no NFTs yet")
    url = cached.url + "/marketplace/nfts?limit=3&sort=oldest"
    first = requests.get(url)
    assert first.status_code == 200
    target = first.json()[0]
    env.pg.psql("UPDATE nfts SET name = 'QNFT #CACHE' WHERE mint = '%s'" % target["id"])
    try:
        again = requests.get(url)
        assert again.json() == first.json()                    # from the cache
        assert again.headers.get("Link") == first.headers.get("Link")
        time.sleep(1.7)
        fresh = requests.get(url)
        assert fresh.json()[0]["name"] == "QNFT #CACHE"         # expired: asked again
        other = requests.get(cached.url + "/marketplace/nfts?limit=2&sort=oldest")
        assert other.json()[0]["name"] == "QNFT #CACHE"        # another page, its own entry
    finally:
        env.pg.psql("UPDATE nfts SET name = '%s' WHERE mint = '%s'" % (target["name"], target["id"]))
