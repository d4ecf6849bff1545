"""The pages in a real browser: Debian's chromium driven by playwright-core
(t/browser/run.js, one scenario per test) against this session's stack.
A scenario acts as a person would and checks the page against the answers
the page itself received; what it returns is checked here against the
API, the database and the chain. Screenshots go to t/artifacts/browser/."""

import base64
import json
import os
import struct
import subprocess

import pytest
import requests

from conftest import extra_server, post_upload
from solana_keys import Wallet, random_address, random_signature

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUN = os.path.join(SRC, "t", "browser", "run.js")
ARTIFACTS = os.path.join(SRC, "t", "artifacts", "browser")
PAGE_SIZE = 12          # htdocs/js/market.js


@pytest.fixture(scope="module")
def browser():
    if not os.access("/usr/bin/chromium", os.X_OK):
        pytest.fail("/usr/bin/chromium is missing: apt-get install chromium (./dev.sh does)")
    if not os.path.isdir(os.path.join(SRC, "node_modules", "playwright-core")):
        pytest.fail("playwright-core is missing: npm install (./dev.sh does)")
    if not os.path.isfile(os.path.join(SRC, "htdocs", "vendor", "chart.umd.min.js")):
        pytest.fail("htdocs/vendor/ is empty: make vendor (./dev.sh build does)")
    os.makedirs(ARTIFACTS, exist_ok=True)


def scenario(env, name, **params):
    params.setdefault("base", env.url)
    r = subprocess.run(["node", RUN, name], input=json.dumps(params), capture_output=True,
                       text=True, timeout=300, cwd=SRC,
                       env=dict(os.environ, QNFT_BROWSER_ARTIFACTS=ARTIFACTS))
    results = [line[7:] for line in r.stdout.splitlines() if line.startswith("RESULT ")]
    if r.returncode != 0 or not results:
        pytest.fail("browser scenario %s failed (screenshots in %s):\n%s\n%s"
                    % (name, ARTIFACTS, r.stdout[-3000:], r.stderr[-6000:]))
    return json.loads(results[-1])


def chain_scenario(env, name, **params):
    """A scenario that sets the local chain's test mode; normal again after."""
    try:
        return scenario(env, name, chain_url=env.stack.chain.url, **params)
    finally:
        env.stack.chain.rpc("qnftTest_mode", ["normal"])


def token_amount(env, owner, mint):
    accts = env.stack.chain.rpc("getTokenAccountsByOwner",
                                [owner, {"mint": mint}, {"encoding": "base64"}])["value"]
    return sum(struct.unpack("<Q", base64.b64decode(a["account"]["data"][0])[64:72])[0]
               for a in accts)


@pytest.fixture(scope="module")
def art(env, photos):
    """A real image and GIF for NFTs made outside the browser."""
    with open(os.path.join(photos, "coffee.png"), "rb") as f:
        image_id = post_upload(env.url + "/upload_image",
                               files={"file": ("c.png", f.read())}).json()["file_id"]
    gif_id = requests.get(env.url + "/generate_gif/" + image_id).json()["gif_id"]
    return {"image_id": image_id, "gif_id": gif_id}


def test_journey_photo_to_marketplace_and_chart_with_a_wallet(env, photos, browser):
    owner = Wallet()
    env.stack.chain.rpc("requestAirdrop", [owner.address, 2 * 10**9])
    before = env.stack.chain.rpc("getBalance", [owner.address])["value"]
    res = scenario(env, "journey", wallet_seed=owner.seed.hex(),
                   photo=os.path.join(photos, "astronaut.png"),
                   description="Made in a real browser")
    assert res["address"] == owner.address
    assert res["style"] == "kaleidoscope"
    steps = res["progress"]          # the bar's values as the upload went
    assert steps == sorted(steps) and steps[-1] == 100
    assert len([v for v in steps if 0 < v < 100]) >= 3

    item = requests.get(env.url + "/marketplace/nfts/" + res["mint"]).json()
    assert item["owner"] == owner.address and item["name"] == res["name"]
    assert item["mint_type"] == "long" and item["description"] == "Made in a real browser"
    assert (item["image_id"], item["gif_id"]) == (res["image_id"], res["gif_id"])
    assert item["transaction_id"] == res["transaction_id"]
    assert res["card"]["id"] == res["mint"]
    # on chain: the wallet holds the token and paid the fee and the rent
    assert token_amount(env, owner.address, res["mint"]) == 1
    after = env.stack.chain.rpc("getBalance", [owner.address])["value"]
    assert before - after >= 20000000
    assert res["signed"]["transactions"][0]["chain"] == "solana:localnet"
    assert res["signed"]["connects"] == 1
    # the marker is the mint, at its time and its SOL price
    assert res["chart_event"]["id"] == res["mint"] and res["chart_event"]["type"] == "long"
    assert res["marker"]["y"] == item["sol_price_at_mint"] is not None
    assert res["tooltip"][0].startswith(res["name"])
    for shot in ("journey-studio-minted", "journey-chart-marker"):
        assert os.path.getsize(os.path.join(ARTIFACTS, shot + ".png")) > 10000


def test_server_signed_mint_from_the_page_at_phone_width(env, photos, browser):
    owner = random_address()
    text = '<img src=x onerror=alert(1)> "quoted" & <b>bold</b>'
    res = scenario(env, "server-mint", owner=owner, description=text,
                   photo=os.path.join(photos, "coffee.png"))
    minted = res["minted"]
    assert res["status"] == minted["name"] + " is minted."
    item = requests.get(env.url + "/marketplace/nfts/" + minted["mint"]).json()
    assert item["owner"] == owner and item["mint_type"] == "short"
    assert item["description"] == text
    assert item["gif_id"] == res["gif"]["gif_id"] == minted["raw_metadata"]["image"][-68:-4]
    assert token_amount(env, owner, minted["mint"]) == 1
    assert token_amount(env, owner, res["again"]["mint"]) == 1


def test_pending_mint_is_followed_until_confirmed(env, photos, browser):
    owner = random_address()
    res = chain_scenario(env, "pending", owner=owner, photo=os.path.join(photos, "coffee.png"))
    assert res["polls"][0] == 202 and res["polls"][-1] == 200
    assert res["status"] == res["name"] + " is minted."
    state = requests.get(env.url + "/mint_nft/" + res["mint"]).json()
    assert state["status"] == "confirmed" and state["owner"] == owner


def test_a_refused_mint_shows_why_and_the_retry_mints(env, photos, browser):
    env.expect_error(r"QNFT01608: mint: .* refused: Transaction simulation failed")
    owner = random_address()
    res = chain_scenario(env, "retry", owner=owner, photo=os.path.join(photos, "chelsea.png"))
    assert res["refused"]["status"] == 502
    assert res["refused"]["body"]["error"] == "transaction_refused"
    minted = res["minted"]
    state = requests.get(env.url + "/mint_nft/" + minted["mint"]).json()
    assert state["status"] == "confirmed" and state["owner"] == owner
    assert token_amount(env, owner, minted["mint"]) == 1
    # the refused attempt is its own record, failed at once (it can never land)
    rows = env.pg.psql("SELECT status FROM nfts n JOIN mint_requests k ON k.mint = n.mint"
                       " WHERE n.owner = '%s' ORDER BY n.serial" % owner).split()
    assert rows == ["failed", "confirmed"], rows


def test_the_pages_work_under_another_name_of_the_server(env, photos, art, browser):
    """Opened as http://localhost:<port>/ (a ServerAlias) while the answers
    name files by the ServerName 127.0.0.1: the images still load."""
    r = requests.post(env.url + "/mint_nft", json=dict(art, mint_type="short",
                                                       owner=random_address(), sign="server"),
                      timeout=60)
    assert r.status_code == 200, r.text          # a card for the marketplace page
    h = extra_server(env, "<VirtualHost *:*>\n    ServerName 127.0.0.1:@PORT@\n"
                          "    ServerAlias localhost\n</VirtualHost>\n")
    try:
        res = scenario(env, "alias", base="http://localhost:%d" % h.port,
                       photo=os.path.join(photos, "rocket.jpg"))
    finally:
        h.stop()
    assert res["upload"]["image_url"].startswith("http://127.0.0.1:%d/qnft/" % h.port)
    assert [s["src"] for s in res["shown"]] == [
        "http://localhost:%d/qnft/uploads/%s.jpg" % (h.port, res["upload"]["file_id"]),
        "http://localhost:%d/qnft/gifs/%s.gif" % (h.port, res["gif"]["gif_id"])]


def test_refused_upload_shows_the_servers_message(env, browser):
    before = env.stored("uploads")
    res = scenario(env, "bad-upload")
    assert res["http_status"] == 415
    assert res["body"]["status"] == "error" and res["body"]["message"]
    assert res["shown"] == res["body"]["message"]
    assert res["limit"] == 10 * 1024 * 1024
    assert env.stored("uploads") == before


def test_owner_lists_and_delists_from_the_marketplace(env, art, browser):
    seller = Wallet()
    r = requests.post(env.url + "/mint_nft", json=dict(art, mint_type="long", owner=seller.address,
                                                       sign="server"), timeout=60)
    assert r.status_code == 200, r.text
    mint = r.json()["mint"]
    res = scenario(env, "listing", wallet_seed=seller.seed.hex(), mint=mint)
    assert res["address"] == seller.address
    assert res["listing"]["price_lamports"] == 1250000000 and res["listing"]["mint"] == mint
    assert res["delisted"]["id"] == res["listing"]["id"]
    assert env.pg.psql("SELECT status, price_lamports, seller FROM listings WHERE id = %d"
                       % res["listing"]["id"]) == "delisted|1250000000|" + seller.address
    assert env.pg.psql("SELECT count(*) FROM listing_nonces WHERE seller = '%s'"
                       % seller.address) == "2"
    assert "price_lamports" not in requests.get(env.url + "/marketplace/nfts/" + mint).json()


@pytest.fixture(scope="module")
def many(env, art):
    """Enough confirmed NFTs for three pages, both types, three listed."""
    owner = Wallet()
    mints = [random_address() for _ in range(2 * PAGE_SIZE + 3)]
    env.pg.psql("INSERT INTO nfts (mint, name, symbol, owner, metadata_uri, image_id, gif_id,"
                " mint_type, btc_price_at_mint, sol_price_at_mint, mint_standard, tx_signature,"
                " status, created_at, confirmed_at) VALUES " + ", ".join(
                    "('%s', 'Browser #%d', 'QNFT', '%s', 'https://x.example/%d.json', '%s', '%s',"
                    " '%s', 76000.5, 210.25, 'token2022', '%s', 'confirmed', now(), now())"
                    % (m, i, owner.address, i, art["image_id"], art["gif_id"],
                       "short" if i % 3 == 0 else "long", random_signature())
                    for i, m in enumerate(mints)))
    env.pg.psql("INSERT INTO listings (mint, seller, price_lamports) VALUES "
                + ", ".join("('%s', '%s', %d)" % (m, owner.address, (k + 1) * 10**8)
                            for k, m in enumerate(mints[4:7])))
    return mints


def confirmed(env, where="", order="DESC"):
    return env.pg.psql("SELECT n.mint FROM nfts n WHERE n.status = 'confirmed' %s "
                       "ORDER BY n.serial %s" % (where, order)).split()


def test_load_more_follows_the_link_header_and_filters(env, many, browser):
    res = scenario(env, "load-more")
    everything = confirmed(env)
    assert len(everything) > 2 * PAGE_SIZE
    assert res["first"] == everything[:PAGE_SIZE]
    assert res["all"] == everything
    assert res["status"] == "Showing %d NFTs." % len(everything)
    shorts = confirmed(env, "AND n.mint_type = 'short'")
    assert res["short"] == shorts and set(res["short_badges"]) == {"Short"}
    assert res["oldest"] == confirmed(env, order="ASC")[:PAGE_SIZE]
    listed = confirmed(env, "AND EXISTS (SELECT 1 FROM listings l WHERE l.mint = n.mint"
                            " AND l.status = 'listed')", "ASC")
    assert len(listed) >= 3 and res["listed"] == listed
    assert "sort=oldest" in res["url"] and "listed=true" in res["url"]


def test_chart_says_when_prices_are_stale(env, browser):
    env.expect_error(r"QNFT0170")          # the price source's failure, logged
    requests.get(env.url + "/chart/price_data")
    env.pg.psql("UPDATE price_spot SET fetched_at = now() - interval '1 hour', retry_until = NULL;"
                "UPDATE price_history SET fetched_at = now() - interval '1 hour',"
                " retry_until = NULL")
    env.stack.prices.control(mode="server_error")
    try:
        res = scenario(env, "stale")
    finally:
        env.stack.prices.reset()
        env.pg.psql("UPDATE price_spot SET retry_until = NULL;"
                    "UPDATE price_history SET retry_until = NULL")
    assert res["source_error"] and res["points"] > 100
    assert res["note"].startswith("These prices may be out of date")


def test_every_page_clean_at_desktop_and_phone_width(env, many, browser):
    res = scenario(env, "pages")
    names = sorted(os.path.basename(p) for p in res["shots"])
    assert names == sorted("%s-%s.png" % (p, s) for p in ("studio", "marketplace", "chart")
                           for s in ("desktop", "phone"))
    for p in res["shots"]:
        assert os.path.getsize(p) > 10000
    assert "frame-ancestors 'none'" in res["csp"] and "default-src 'self'" in res["csp"]
    assert res["csp_violation"]["blocked"] == "inline"
    # the vendored libraries and their licences are served with the pages
    for f in ("chart.umd.min.js", "chartjs-adapter-date-fns.min.js", "date-fns.min.js",
              "LICENSE.chart.js.md", "LICENSE.chartjs-adapter-date-fns.md",
              "LICENSE.date-fns.md", "LICENSE.kurkle-color.md"):
        r = requests.get(env.url + "/qnft/vendor/" + f)
        assert r.status_code == 200 and r.headers["X-Content-Type-Options"] == "nosniff", f
    # API paths next to the pretty URLs still reach the module, with its own headers
    api = requests.get(env.url + "/marketplace/nfts?limit=1")
    assert api.headers["Content-Type"].startswith("application/json")
    assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(env.url + "/chart/price_data").json()["pair"]
    for path in ("/marketplace/", "/chart/", "/index", "/qnft/js/", "/qnft/js/../index.html"):
        assert requests.get(env.url + path).status_code == 404, path

