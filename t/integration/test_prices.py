"""Prices and the chart data: the CoinGecko format from the local
stand-in, the PostgreSQL cache shared by every process, single flight,
stale data on every upstream failure, mint events."""

import concurrent.futures
import os
import time

import pytest
import requests

from conftest import UPLOAD_HEADERS
from solana_keys import Wallet


def chart(env, hours=None):
    url = env.url + "/chart/price_data"
    if hours is not None:
        url += "?time_range_hours=%s" % hours
    return requests.get(url, timeout=30)


def expire(env):
    env.pg.psql("UPDATE price_spot SET fetched_at = now() - interval '1 hour', retry_until = NULL;"
                "UPDATE price_history SET fetched_at = now() - interval '1 hour', retry_until = NULL")


@pytest.fixture(autouse=True)
def normal_source(env):
    env.stack.prices.reset()
    yield
    env.stack.prices.reset()


def test_chart_shape_and_range(env):
    r = chart(env)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pair"] == "SOL/USDC" and body["stale"] is False
    assert body["source"] == "127.0.0.1"
    hist = body["price_history"]
    now = time.time() * 1000
    assert len(hist) > 100                              # 5-minute points for a day
    assert [p[0] for p in hist] == sorted(p[0] for p in hist)
    assert all(now - 24 * 3600 * 1000 - 60000 <= p[0] <= now + 1000 for p in hist)
    assert all(150 < p[1] < 320 for p in hist)
    week = chart(env, 168).json()["price_history"]
    assert week[0][0] < now - 6 * 24 * 3600 * 1000


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1e3", "2161", "", "24.5", "%20"])
def test_bad_ranges_are_400(env, bad):
    r = chart(env, bad)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "bad_time_range"


def test_cache_hit_makes_no_upstream_call(env):
    chart(env)
    env.stack.prices.reset()
    for _ in range(3):
        assert chart(env).status_code == 200
    calls = env.stack.prices.calls()
    assert calls["simple_price"] == 0 and calls["market_chart"] == 0


def test_burst_after_expiry_makes_one_upstream_call(env):
    chart(env)
    expire(env)
    env.stack.prices.reset()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: chart(env), range(20)))
    assert all(a.status_code == 200 and a.json()["stale"] is False for a in answers)
    calls = env.stack.prices.calls()
    assert calls["simple_price"] == 1, calls
    assert calls["market_chart"] == 1, calls


@pytest.mark.parametrize("mode", ["rate_limited", "server_error", "slow", "malformed",
                                  "wrong_shape"])
def test_upstream_failures_serve_stale_data(env, mode):
    env.expect_error(r"QNFT0170")
    chart(env)
    expire(env)
    env.stack.prices.control(mode=mode, retry_after=7, slow_seconds=5)
    t0 = time.time()
    r = chart(env)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stale"] is True and body["source_error"]
    assert body["price_history"]                         # the last data
    assert time.time() - t0 < 8
    if mode == "rate_limited":
        before = env.stack.prices.calls()
        assert chart(env).json()["stale"] is True        # Retry-After is respected:
        assert env.stack.prices.calls()["simple_price"] == before["simple_price"]
        wait = env.pg.psql("SELECT extract(epoch FROM retry_until - now())::int FROM price_spot")
        assert 4 <= int(wait) <= 7


def test_nothing_cached_and_source_down_gives_empty_history(env):
    env.expect_error(r"QNFT0170")
    saved = env.pg.psql("SELECT count(*) FROM price_points")
    env.pg.psql("BEGIN; CREATE TEMP TABLE keep AS SELECT * FROM price_points;"
                "CREATE TEMP TABLE keep_spot AS SELECT * FROM price_spot;"
                "DELETE FROM price_points; UPDATE price_history SET covered_from = NULL,"
                " covered_until = NULL, fetched_at = NULL, retry_until = NULL;"
                "UPDATE price_spot SET btc_usd = NULL, sol_usd = NULL, usdc_usd = NULL,"
                " fetched_at = NULL, retry_until = NULL; COMMIT")
    env.stack.prices.control(mode="server_error")
    r = chart(env)
    assert r.status_code == 200
    body = r.json()
    assert body["price_history"] == [] and body["stale"] is True
    assert "HTTP 500" in body["source_error"]
    env.stack.prices.reset()
    env.pg.psql("UPDATE price_history SET retry_until = NULL; UPDATE price_spot SET retry_until = NULL")
    assert chart(env).json()["stale"] is False
    assert int(env.pg.psql("SELECT count(*) FROM price_points")) > 0
    assert saved


def test_mint_events_in_their_range(env, photos):
    with open(os.path.join(photos, "rocket.jpg"), "rb") as f:
        image_id = requests.post(env.url + "/upload_image", headers=UPLOAD_HEADERS,
                                 files={"file": ("r.jpg", f.read())}).json()["file_id"]
    gif = requests.get(env.url + "/generate_gif/" + image_id).json()
    owner = Wallet()
    m = requests.post(env.url + "/mint_nft", json={"image_id": image_id, "gif_id": gif["gif_id"],
                                                   "mint_type": "short", "owner": owner.address,
                                                   "sign": "server"}).json()
    assert m["status"] == "success"
    events = chart(env, 1).json()["nft_events"]
    mine = [e for e in events if e["id"] == m["mint"]]
    assert len(mine) == 1
    e = mine[0]
    assert e["type"] == "short" and e["nft_name"] == m["name"]
    assert e["gif_url"] == gif["gif_url"]
    assert abs(e["timestamp"] - time.time() * 1000) < 120000
    # a mint five hours ago is in 24 h and not in 1 h
    env.pg.psql("UPDATE nfts SET created_at = now() - interval '5 hours' WHERE mint = '%s'"
                % m["mint"])
    assert m["mint"] not in [x["id"] for x in chart(env, 1).json()["nft_events"]]
    assert m["mint"] in [x["id"] for x in chart(env, 24).json()["nft_events"]]

    # one price snapshot: the GIF's overlay values, the metadata and the record agree
    gifrow = env.pg.psql("SELECT btc_usdc::text || '|' || sol_usdc::text FROM gifs WHERE id = '%s'"
                         % gif["gif_id"])
    btc, sol = gifrow.split("|")
    attrs = {a["trait_type"]: a["value"] for a in m["raw_metadata"]["attributes"]}
    assert attrs["BTC Price at Mint"] == btc and attrs["SOL Price at Mint"] == sol
    assert "BTC/USDC %s" % btc in m["raw_metadata"]["description"]
    item = requests.get(env.url + "/marketplace/nfts/" + m["mint"]).json()
    assert item["btc_price_at_mint"] == float(btc) and item["sol_price_at_mint"] == float(sol)
    assert e["sol_price_at_mint"] == float(sol)


def test_api_key_goes_in_the_coingecko_header(env):
    from conftest import extra_server
    h = extra_server(env, "QNFTPriceAPIKey demo-key-123")
    try:
        expire(env)
        requests.get(h.url + "/chart/price_data")
        assert env.stack.prices.calls()["last_api_key"] == "demo-key-123"
    finally:
        h.stop()
