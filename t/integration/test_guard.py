"""What stands in front of the endpoints and what admins see of them:
cross-site refusal (CSRF), rate limits through mod_socache_shmcb, request
ids in JSON errors and error-log lines, GET /studio, the qnft-metrics
handler and the server-status section."""

import os
import re
import subprocess
import tempfile
import time

import pytest
import requests

import qnft_stack
from conftest import UPLOAD_HEADERS, extra_server, raw_http

EVIL = "https://evil.example"
TINY_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
            b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01"
            b"\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def assert_error(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    body = r.json()
    assert body["status"] == "error" and body["error"] == code and body["message"]
    return body


def upload(url, headers, data=TINY_PNG):
    return requests.post(url + "/upload_image", headers=headers,
                         files={"file": ("p.png", data, "image/png")})


def rows(env, table):
    return int(env.pg.psql("SELECT count(*) FROM %s" % table))


# ---- CSRF ----------------------------------------------------------------------

def test_upload_without_the_csrf_header_is_403_and_stores_nothing(env):
    before, n = env.stored(), rows(env, "images")
    body = assert_error(upload(env.url, {}), 403, "csrf_header_missing")
    assert "X-Requested-With" in body["message"]
    assert env.stored() == before and rows(env, "images") == n


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": "null"},                                  # sandboxed frame, data: URL
    {"Origin": "http://127.0.0.1"},                      # same host, another port
    {"Origin": "https://127.0.0.1:%(port)d"},            # same host and port, other scheme
    {"Referer": EVIL + "/page.html"},                    # no Origin: the Referer decides
    {"Origin": "http://127.0.0.1:%(port)d/x"},           # not an origin at all
    {"Sec-Fetch-Site": "cross-site"},                    # the browser says so, no Origin
])
def test_cross_site_upload_is_403_and_stores_nothing(env, headers):
    h = dict(UPLOAD_HEADERS)
    h.update({k: v % {"port": env.httpd.port} for k, v in headers.items()})
    before, n = env.stored(), rows(env, "images")
    assert_error(upload(env.url, h), 403, "cross_origin")
    assert env.stored() == before and rows(env, "images") == n


def test_same_origin_upload_passes(env):
    own = "http://127.0.0.1:%d" % env.httpd.port
    for extra in ({"Origin": own}, {"Referer": own + "/"}, {"Origin": own.upper().replace(
            "HTTP", "http")}):
        h = dict(UPLOAD_HEADERS, **extra)
        r = upload(env.url, h)
        assert r.status_code == 200, r.text


def test_a_rebound_name_is_not_our_origin(env):
    """DNS rebinding: a page of another name that resolves to this server
    sends Host and Origin that agree with each other, but the name is not
    a ServerName or ServerAlias of ours."""
    port = env.httpd.port
    h = dict(UPLOAD_HEADERS, Host="rebind.example:%d" % port,
             Origin="http://rebind.example:%d" % port)
    assert_error(upload(env.url, h), 403, "cross_origin")


@pytest.mark.parametrize("path", ["/mint_nft", "/mint_nft/submit", "/marketplace/listings",
                                  "/marketplace/listings/1/delist"])
def test_cross_site_json_writes_are_403_before_anything(env, path):
    n = rows(env, "nfts") + rows(env, "listings") + rows(env, "mint_prepared")
    r = requests.post(env.url + path, json={"image_id": "0" * 64}, headers={"Origin": EVIL})
    assert_error(r, 403, "cross_origin")
    assert rows(env, "nfts") + rows(env, "listings") + rows(env, "mint_prepared") == n


def gif_state(env):
    return rows(env, "gifs"), env.stored("gifs")


@pytest.fixture(scope="module")
def tiny_image(env):
    r = upload(env.url, UPLOAD_HEADERS)
    assert r.status_code == 200, r.text
    return r.json()["file_id"]


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},                    # <img src=...>, referrerpolicy=no-referrer
    {"Sec-Fetch-Site": "same-site"},                     # ... or on a sibling subdomain
    # what the browser says of the site wins over a Referer naming us
    {"Sec-Fetch-Site": "cross-site", "Referer": "http://127.0.0.1:%(port)d/"},
    {"Referer": EVIL + "/gallery.html"},                 # an older browser: the Referer
    {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},    # fetch() from another site
])
def test_a_gif_render_from_another_site_is_403_and_writes_nothing(env, tiny_image, headers):
    """GET /generate_gif writes a file and a row: a page elsewhere must not
    make its visitors render GIFs (each from their own address, past the
    rate limit)."""
    h = {k: v % {"port": env.httpd.port} for k, v in headers.items()}
    before = gif_state(env)
    r = requests.get(env.url + "/generate_gif/%s?style=noise" % tiny_image, headers=h)
    assert_error(r, 403, "cross_origin")
    assert gif_state(env) == before


def test_a_gif_render_from_the_page_itself_or_the_address_bar_passes(env, tiny_image):
    own = "http://127.0.0.1:%d" % env.httpd.port
    for h in ({"Sec-Fetch-Site": "same-origin", "Referer": own + "/"},
              {"Sec-Fetch-Site": "none"}, {}):
        r = requests.get(env.url + "/generate_gif/%s" % tiny_image, headers=h)
        assert r.status_code == 200, (h, r.text)


def test_reads_ignore_the_origin(env):
    r = requests.get(env.url + "/marketplace/nfts?limit=1", headers={"Origin": EVIL})
    assert r.status_code == 200
    r = requests.get(env.url + "/studio", headers={"Origin": EVIL})
    assert r.status_code == 200


def test_non_browser_clients_without_origin_pass(env):
    # curl and scripts send neither Origin nor Referer: not a browser, not CSRF
    r = requests.post(env.url + "/mint_nft", json={"image_id": "zz"})
    assert r.status_code == 400, r.text


@pytest.fixture(scope="module")
def guarded(env):
    h = extra_server(env, "QNFTAllowedOrigins https://shop.example http://[::1]:8443\n"
                          "QNFTPublicURL https://nft.example.com\n"
                          "QNFTRateLimit upload 3/min\nQNFTRateLimit listing 2/h\n")
    yield h
    h.stop()


def test_allowed_origins_and_the_public_url_may_write(env, guarded):
    for origin in ("https://shop.example", "https://SHOP.example", "http://[::1]:8443",
                   "https://nft.example.com"):
        r = requests.post(guarded.url + "/mint_nft", json={"image_id": "zz"},
                          headers={"Origin": origin})
        assert r.status_code == 400, (origin, r.text)       # past the guard: a bad id
    r = requests.post(guarded.url + "/mint_nft", json={"image_id": "zz"},
                      headers={"Origin": "https://shop.example:444"})
    assert_error(r, 403, "cross_origin")
    # a CORS request from an allowed site may render a GIF
    r = requests.get(guarded.url + "/generate_gif/" + "0" * 64,
                     headers={"Origin": "https://shop.example", "Sec-Fetch-Site": "cross-site"})
    assert_error(r, 404, "image_not_found")


# ---- rate limits ---------------------------------------------------------------

def test_rate_limit_answers_429_with_retry_after_and_counts(env, guarded):
    statuses = []
    for _ in range(5):
        # each on its own connection: the limit is shared, not per connection
        r = requests.post(guarded.url + "/upload_image", headers=UPLOAD_HEADERS, data=b"",
                          timeout=10)
        statuses.append(r.status_code)
    assert statuses[:3] == [415, 415, 415]                  # admitted (and refused as empty)
    assert statuses[3:] == [429, 429]
    body = assert_error(r, 429, "rate_limited")
    assert "upload" in body["message"]
    retry = int(r.headers["Retry-After"])
    assert 1 <= retry <= 20                                  # 60 s / 3: one every 20 s
    # other areas keep their own budget
    assert requests.get(guarded.url + "/generate_gif/" + "0" * 64).status_code == 404
    m = metrics(guarded.url)
    assert m['qnft_rate_limited_total{area="upload"}'] == 2
    assert m['qnft_rate_limited_total{area="gif"}'] == 0


def test_rate_limit_is_shared_by_all_processes(env):
    """Two server processes, one budget: the state lives in shmcb."""
    h = extra_server(env, "StartServers 2\nServerLimit 2\nMaxRequestWorkers 32\n"
                          "MinSpareThreads 32\nQNFTRateLimit gif 4/h\n")
    try:
        codes = []
        for _ in range(10):
            codes.append(requests.get(h.url + "/generate_gif/" + "0" * 64,
                                      headers={"Connection": "close"}).status_code)
        assert codes.count(404) == 4 and codes.count(429) == 6, codes
        pids = children(h)
        assert len(pids) == 2, pids
    finally:
        h.stop()


@pytest.mark.parametrize("names", [
    ("ServerName strict.example", "ServerName lenient.example"),
    # told apart by an alias only: both take the main server's ServerName
    ("ServerAlias strict.example", "ServerAlias lenient.example"),
])
def test_each_virtual_host_keeps_its_own_rate_state(env, names):
    """Rules are per virtual host; a lenient host's requests must not
    reset a strict host's clock for the same client."""
    h = extra_server(env, "<VirtualHost *:*>\n    %s\n"
                          "    QNFTRateLimit gif 2/h\n</VirtualHost>\n"
                          "<VirtualHost *:*>\n    %s\n"
                          "    QNFTRateLimit gif 1000/min\n</VirtualHost>\n" % names)
    try:
        def gif(host):
            return requests.get(h.url + "/generate_gif/" + "0" * 64,
                                headers={"Host": host}).status_code
        assert [gif("strict.example") for _ in range(2)] == [404, 404]
        assert gif("lenient.example") == 404
        assert gif("strict.example") == 429
        assert [gif("lenient.example") for _ in range(5)] == [404] * 5
        assert gif("strict.example") == 429
    finally:
        h.stop()


def wait_port(port, proc, what):
    import socket
    deadline = time.time() + 10
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail("%s exited at start (%s)" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("%s did not listen on %d" % (what, port))


# The shared caches, real servers from Debian's packages on loopback:
# how each starts on a port, and the socache module that speaks to it.
CACHE_SERVERS = {
    "memcache": (lambda port: ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0",
                               "-m", "16"] + (["-u", "nobody"] if os.geteuid() == 0 else []),
                 "socache_memcache_module", "mod_socache_memcache.so"),
    "redis": (lambda port: ["redis-server", "--bind", "127.0.0.1", "--port", str(port),
                            "--save", "", "--appendonly", "no"],
              "socache_redis_module", "mod_socache_redis.so"),
}


@pytest.fixture(params=sorted(CACHE_SERVERS))
def cache_server(request):
    """(module, file, QNFTRateLimitCache spec) of a running cache server."""
    argv, module, so = CACHE_SERVERS[request.param]
    port = qnft_stack.free_port()
    proc = subprocess.Popen(argv(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc, argv(port)[0])
        yield module, so, "%s:127.0.0.1:%d" % (request.param, port)
    finally:
        proc.kill()
        proc.wait(10)


def test_two_servers_share_a_clients_budget_through(env, cache_server):
    """Several servers of one site behind a balancer (each with its own
    name and port here): a client's budget is one, kept in memcached or
    redis."""
    module, so, spec = cache_server
    conf = ("LoadModule %s %s/%s\nQNFTRateLimitCache %s\nQNFTRateLimit gif 4/h\n"
            % (module, env.httpd.build["modules"], so, spec))
    a = extra_server(env, conf)
    try:
        b = extra_server(env, conf)
        try:
            codes = [requests.get((a, b)[i % 2].url + "/generate_gif/" + "0" * 64,
                                  headers={"Connection": "close"}).status_code
                     for i in range(10)]
            assert codes[:4] == [404] * 4 and codes[4:] == [429] * 6, codes
            r = requests.get(b.url + "/generate_gif/" + "0" * 64)
            assert_error(r, 429, "rate_limited")
            assert 1 <= int(r.headers["Retry-After"]) <= 900        # 1 h / 4
            assert metrics(a.url)['qnft_rate_limited_total{area="gif"}'] \
                + metrics(b.url)['qnft_rate_limited_total{area="gif"}'] == 7
        finally:
            b.stop()
    finally:
        a.stop()


def children(h):
    """Pids of the server's child processes."""
    master = open(os.path.join(h.run_dir, "httpd.pid")).read().strip()
    out = set()
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and open("/proc/%s/stat" % pid).read().split(") ")[1].split()[1] == master:
                out.add(pid)
        except (OSError, IndexError):
            pass
    return out


# ---- request ids ------------------------------------------------------------------

def test_error_answers_carry_the_request_id_of_their_log_lines(env):
    off = env.httpd.log_offset()
    body = assert_error(requests.get(env.url + "/generate_gif/nothex"), 400, "bad_image_id")
    rid = body["request_id"]
    assert re.fullmatch(r"[A-Za-z0-9@_\-]{16,32}", rid), rid
    lines = [l for l in env.httpd.log_since(off).splitlines() if "QNFT01001" in l]
    assert lines and lines[-1].endswith("[request %s]" % rid), lines
    again = requests.get(env.url + "/generate_gif/nothex").json()["request_id"]
    assert again != rid


def test_without_mod_unique_id_the_module_makes_the_ids(env):
    base = tempfile.mkdtemp(prefix="qnft-noid-")
    os.chmod(base, 0o755)
    h = qnft_stack.Httpd(base, env.pg.port, env.stack.build_dir,
                         chain_port=env.stack.chain.port, signer=env.stack.signer,
                         price_url=env.stack.prices.url)
    h.unique_id = False
    h.write(extra="StartServers 1\nServerLimit 1\n"
                  "ErrorLogFormat \"[%l] [id %L] %M\"\n")
    h.start()
    try:
        off = h.log_offset()
        rid = requests.get(h.url + "/generate_gif/nothex").json()["request_id"]
        assert re.fullmatch(r"[A-Za-z0-9_\-]{16}", rid), rid
        line = [l for l in h.log_since(off).splitlines() if "QNFT01001" in l][-1]
        # %L (Apache's log id) and the module's own tag agree
        assert line.startswith("[info] [id %s]" % rid) and line.endswith("[request %s]" % rid)
    finally:
        h.stop()


# ---- /studio -----------------------------------------------------------------------

def test_studio_tells_the_pages_what_this_server_offers(env):
    r = requests.get(env.url + "/studio")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    s = r.json()
    assert s["styles"] == ["default", "noise", "kaleidoscope", "wave_warp"]
    assert s["default_style"] == "default"
    assert s["server_signing"] is True and s["wallet_signing"] is True
    assert s["cluster"] == "local" and s["mint_standard"] == "token2022"
    assert s["mint_fee_lamports"] == 20000000
    assert s["upload_max_bytes"] == 10 * 1024 * 1024
    assert s["csrf_header"] == "X-Requested-With"
    assert s["public_url"] == env.url          # what signed listing texts must name
    assert "signer" not in r.text.lower() or "key" not in r.text.lower()
    assert_error(requests.post(env.url + "/studio"), 405, "method_not_allowed")


# ---- metrics and server-status --------------------------------------------------------

SAMPLE = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$')


def metrics(url):
    r = requests.get(url + "/qnft-metrics")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for line in r.text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ ", line), line
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def test_metrics_count_requests_errors_and_what_the_database_holds(env):
    before = metrics(env.url)
    requests.get(env.url + "/studio")
    requests.get(env.url + "/studio")
    requests.post(env.url + "/studio")
    requests.get(env.url + "/chart/price_data?time_range_hours=abc")
    time.sleep(0.2)      # counted in log_transaction, after the answer went out
    after = metrics(env.url)
    ep = 'qnft_requests_total{endpoint="%s"}'
    assert after[ep % "studio"] - before[ep % "studio"] == 3
    assert after['qnft_errors_total{endpoint="studio",class="4xx"}'] \
        - before['qnft_errors_total{endpoint="studio",class="4xx"}'] == 1
    assert after['qnft_errors_total{endpoint="chart",class="4xx"}'] \
        - before['qnft_errors_total{endpoint="chart",class="4xx"}'] == 1
    assert after[ep % "metrics"] - before[ep % "metrics"] == 1
    for state in ("pending", "confirmed", "failed"):
        want = int(env.pg.psql("SELECT count(*) FROM nfts WHERE status = '%s'" % state))
        assert after['qnft_mints{state="%s"}' % state] == want
    assert after["qnft_listings_active"] == int(
        env.pg.psql("SELECT count(*) FROM listings WHERE status = 'listed'"))
    assert after["qnft_db_up"] == 1
    # histograms: Prometheus's own spelling of the bounds, cumulative, +Inf == count
    assert 'qnft_rpc_seconds_bucket{le="0.005"}' in after
    assert 'qnft_gif_render_seconds_bucket{le="0.05"}' in after
    for h in ("qnft_gif_render_seconds", "qnft_rpc_seconds", "qnft_price_source_seconds"):
        buckets = [v for k, v in after.items() if k.startswith(h + "_bucket")]
        assert buckets == sorted(buckets)
        assert after[h + '_bucket{le="+Inf"}'] == after[h + "_count"]


def test_metrics_count_bodies_httpd_refused_under_their_endpoint(env):
    """A broken chunked body is refused by httpd and answered through an
    ErrorDocument (an internal redirect to a static file): it is still a
    mint request that failed."""
    before = metrics(env.url)
    answer = raw_http(env.httpd.port,
                      b"POST /mint_nft HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"zz\r\n{}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b'"error": "bad_body"' in answer or b'"error":"bad_body"' in answer, answer
    time.sleep(0.2)
    after = metrics(env.url)
    ep = 'qnft_requests_total{endpoint="mint"}'
    err = 'qnft_errors_total{endpoint="mint",class="4xx"}'
    assert after[ep] - before[ep] == 1
    assert after[err] - before[err] == 1


def test_rpc_answers_that_are_not_json_rpc_count_as_failures(env, photos):
    """A node that answers 200 with something else than JSON-RPC is
    failing, whatever the HTTP status says."""
    import http.server
    import threading

    class NotRpc(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"jsonrpc": "2.0", "id": 1}'          # neither result nor error
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    node = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotRpc)
    threading.Thread(target=node.serve_forever, daemon=True).start()
    h = extra_server(env, "QNFTSolanaRPC http://127.0.0.1:%d\n" % node.server_address[1])
    try:
        data = open("%s/%s" % (photos, "camera.png"), "rb").read()
        image = upload(h.url, UPLOAD_HEADERS, data).json()["file_id"]
        gif = requests.get(h.url + "/generate_gif/%s" % image).json()["gif_id"]
        before, off = metrics(h.url), h.log_offset()
        r = requests.post(h.url + "/mint_nft", json={
            "image_id": image, "gif_id": gif, "mint_type": "short",
            "owner": "11111111111111111111111111111112", "sign": "wallet"})
        assert_error(r, 502, "rpc_unavailable")
        after = metrics(h.url)
        assert after["qnft_rpc_failures_total"] - before["qnft_rpc_failures_total"] == 1
        assert after["qnft_rpc_seconds_count"] - before["qnft_rpc_seconds_count"] == 1
        assert "answer has neither result nor error" in h.log_since(off)
    finally:
        h.stop()
        node.shutdown()
        node.server_close()


def test_metrics_see_renders_rpc_and_price_calls(env, photos):
    before = metrics(env.url)
    data = open("%s/%s" % (photos, "coffee.png"), "rb").read()
    image = upload(env.url, UPLOAD_HEADERS, data).json()["file_id"]
    r = requests.get(env.url + "/generate_gif/%s?style=noise" % image)
    assert r.status_code == 200
    m = requests.post(env.url + "/mint_nft", json={
        "image_id": image, "gif_id": r.json()["gif_id"], "mint_type": "long",
        "owner": "11111111111111111111111111111112", "sign": "wallet"})
    assert m.status_code == 402, m.text          # the RPC said: this wallet holds nothing
    after = metrics(env.url)
    if not r.json().get("reused"):
        assert after["qnft_gif_render_seconds_count"] == before["qnft_gif_render_seconds_count"] + 1
        assert after["qnft_gif_render_seconds_sum"] > before["qnft_gif_render_seconds_sum"]
    assert after["qnft_rpc_seconds_count"] > before["qnft_rpc_seconds_count"]


def test_metrics_is_local_only_by_default_and_get_only(env):
    r = requests.post(env.url + "/qnft-metrics")
    assert_error(r, 405, "method_not_allowed")


def test_server_status_has_a_mod_qnft_section(env):
    r = requests.get(env.url + "/server-status")
    assert r.status_code == 200
    assert "<h2>mod_qnft</h2>" in r.text and "<td>upload</td>" in r.text
    auto = requests.get(env.url + "/server-status?auto").text
    m = re.search(r"^QNFTstudioRequests: (\d+)$", auto, re.M)
    assert m and int(m.group(1)) >= 1, auto
