"""A small local stand-in for the CoinGecko v3 public API.

Used by the test suite and by `./dev.sh run` when offline.  It answers the
two endpoints mod_qnft uses, in CoinGecko's response formats:

  GET /api/v3/simple/price?ids=bitcoin,solana&vs_currencies=usd
  GET /api/v3/coins/{id}/market_chart?vs_currency=usd&days=N

Prices are deterministic smooth functions of time (price_at below), so a
test can compute what to expect.  Known coins: bitcoin, solana, usd-coin,
ethereum; the only vs currency is usd.

Control endpoints (not CoinGecko's, for tests):

  POST /__control  {"mode": "normal"|"rate_limited"|"server_error"|"slow"|
                    "malformed"|"wrong_shape", "retry_after": 30,
                    "slow_seconds": 15, "now_ms": null}
                   now_ms (optional) freezes the clock at that epoch-ms
                   value; null or absent lets it run again.
  GET  /__calls    {"simple_price": n, "market_chart": n,
                    "last_api_key": ..., "last_query": ...}
  POST /__reset    zero the counters, mode normal, clock running.

CLI:  python3 price_standin.py --port N [--bind 127.0.0.1] [--verbose]
In-process:  server, thread = serve(port)   (port 0: pick a free one;
server.server_address[1] is the port; server.shutdown() to stop.)

Standard library only."""

import argparse
import json
import math
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------- prices

# id -> (base price in usd, relative amplitude of the slow wave,
#        relative amplitude of the fast wave, circulating supply)
COINS = {
    "bitcoin": (76000.0, 0.05, 0.01, 19_800_000.0),
    "ethereum": (3500.0, 0.05, 0.01, 120_500_000.0),
    "solana": (230.0, 0.05, 0.01, 480_000_000.0),
    "usd-coin": (0.9998, 0.0001, 0.00005, 60_000_000_000.0),
}
VS_CURRENCIES = ("usd",)

# price = base * (1 + slow*sin(t/SLOW_PERIOD) + fast*sin(t/FAST_PERIOD)),
# t in seconds since the epoch.  The periods are deliberately not whole
# hours or days, so hourly and daily samples are not periodic.
SLOW_PERIOD = 100_000.0     # one cycle in about 7.3 days
FAST_PERIOD = 7_000.0       # one cycle in about 12.2 hours
VOLUME_SHARE = 0.03                         # 24 h volume / market cap

MS_5MIN = 5 * 60 * 1000
MS_HOUR = 60 * 60 * 1000
MS_DAY = 24 * MS_HOUR


def round_price(p):
    """Like CoinGecko: 2 decimals at and above 1 usd, 6 below (floats)."""
    return float(round(p, 2) if p >= 1 else round(p, 6))


def price_at(coin, ms):
    """Price of coin in usd at epoch milliseconds ms (rounded float)."""
    base, slow, fast, _ = COINS[coin]
    t = ms / 1000.0
    return round_price(base * (1 + slow * math.sin(t / SLOW_PERIOD)
                               + fast * math.sin(t / FAST_PERIOD)))


def market_cap_at(coin, ms):
    return float(round(price_at(coin, ms) * COINS[coin][3], 2))


def volume_at(coin, ms):
    return float(round(market_cap_at(coin, ms) * VOLUME_SHARE, 2))


def chart_timestamps(days, now_ms):
    """CoinGecko's automatic granularity: 1 day -> 5-minute points,
    2..90 days -> hourly, more -> daily at 00:00 UTC; last point = now."""
    if days == 1:
        step = MS_5MIN
    elif days <= 90:
        step = MS_HOUR
    else:
        step = MS_DAY
    start = now_ms - days * MS_DAY
    first = -(-start // step) * step          # ceil to the step
    stamps = list(range(first, now_ms, step))
    stamps.append(now_ms)
    return stamps


def market_chart(coin, days, now_ms):
    stamps = chart_timestamps(days, now_ms)
    return {
        "prices": [[ms, price_at(coin, ms)] for ms in stamps],
        "market_caps": [[ms, market_cap_at(coin, ms)] for ms in stamps],
        "total_volumes": [[ms, volume_at(coin, ms)] for ms in stamps],
    }


def parse_days(raw):
    """int 1..365 or 'max' (-> 365); None if invalid."""
    if raw is None:
        return None
    raw = raw.strip().lower()
    if raw == "max":
        return 365
    if not re.fullmatch(r"[0-9]{1,4}", raw):
        return None
    days = int(raw)
    return days if 1 <= days <= 365 else None


# ---------------------------------------------------------------- state

MODES = ("normal", "rate_limited", "server_error", "slow", "malformed",
         "wrong_shape")
DEFAULT_RETRY_AFTER = 30
DEFAULT_SLOW_SECONDS = 15

RATE_LIMIT_BODY = {"status": {
    "error_code": 429,
    "error_message": "You've exceeded the Rate Limit. Please visit "
                     "https://www.coingecko.com/en/api/pricing to subscribe "
                     "to our API plans for higher rate limits."}}
SERVER_ERROR_BODY = {"status": {"error_code": 500,
                                "error_message": "Internal server error"}}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.mode = "normal"
        self.retry_after = DEFAULT_RETRY_AFTER
        self.slow_seconds = DEFAULT_SLOW_SECONDS
        self.frozen_ms = None
        self.calls = {"simple_price": 0, "market_chart": 0}
        self.last_api_key = None
        self.last_query = None

    def now_ms(self):
        if self.frozen_ms is not None:
            return self.frozen_ms
        return int(time.time() * 1000)


# ---------------------------------------------------------------- HTTP

MARKET_CHART_RE = re.compile(r"^/api/v3/coins/([^/]+)/market_chart/?$")
SIMPLE_PRICE_RE = re.compile(r"^/api/v3/simple/price/?$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "price-standin/1"
    sys_version = ""

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):
        if getattr(self.server, "verbose", False):
            sys.stderr.write("price stand-in: %s - %s\n"
                             % (self.address_string(), fmt % args))

    # -- output

    def send_body(self, status, body, headers=None):
        if not isinstance(body, (bytes, bytearray)):
            body = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if not raw.strip():
            return {}
        return json.loads(raw)

    # -- dispatch

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path == "/__calls":
            with self.state.lock:
                out = dict(self.state.calls)
                out["last_api_key"] = self.state.last_api_key
                out["last_query"] = self.state.last_query
                out["mode"] = self.state.mode
            return self.send_body(200, out)
        m = MARKET_CHART_RE.match(path)
        if m:
            return self.coingecko("market_chart", url.query,
                                  urllib.parse.unquote(m.group(1)))
        if SIMPLE_PRICE_RE.match(path):
            return self.coingecko("simple_price", url.query, None)
        self.send_body(404, {"error": "Not Found"})

    do_HEAD = do_GET

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/__reset":
            self.read_json_quietly()
            with self.state.lock:
                self.state.reset()
            return self.send_body(200, {"mode": "normal"})
        if path == "/__control":
            try:
                req = self.read_json()
                if not isinstance(req, dict):
                    raise ValueError("body must be a JSON object")
                mode = req.get("mode", "normal")
                if mode not in MODES:
                    raise ValueError("unknown mode %r" % (mode,))
                retry_after = req.get("retry_after", DEFAULT_RETRY_AFTER)
                slow_seconds = req.get("slow_seconds", DEFAULT_SLOW_SECONDS)
                now_ms = req.get("now_ms")
                for name, v in (("retry_after", retry_after),
                                ("slow_seconds", slow_seconds)):
                    if (isinstance(v, bool) or not isinstance(v, (int, float))
                            or v < 0):
                        raise ValueError("%s must be a number >= 0" % name)
                if now_ms is not None and (isinstance(now_ms, bool)
                                           or not isinstance(now_ms, int)):
                    raise ValueError("now_ms must be an integer or null")
            except ValueError as e:   # includes json.JSONDecodeError
                return self.send_body(400, {"error": str(e)})
            with self.state.lock:
                self.state.mode = mode
                self.state.retry_after = retry_after
                self.state.slow_seconds = slow_seconds
                self.state.frozen_ms = now_ms
            return self.send_body(200, {"mode": mode,
                                        "retry_after": retry_after,
                                        "slow_seconds": slow_seconds,
                                        "now_ms": now_ms})
        self.read_json_quietly()
        self.send_body(404, {"error": "Not Found"})

    def read_json_quietly(self):
        try:
            self.read_json()
        except ValueError:
            pass

    # -- the CoinGecko endpoints

    def coingecko(self, endpoint, query, coin):
        st = self.state
        with st.lock:
            st.calls[endpoint] += 1
            st.last_api_key = (self.headers.get("x-cg-demo-api-key")
                               or self.headers.get("x-cg-pro-api-key"))
            st.last_query = query
            mode, retry_after, slow_seconds = (st.mode, st.retry_after,
                                               st.slow_seconds)
        if mode == "rate_limited":
            ra = retry_after
            ra = str(int(ra)) if float(ra).is_integer() else str(ra)
            return self.send_body(429, RATE_LIMIT_BODY, {"Retry-After": ra})
        if mode == "server_error":
            return self.send_body(500, SERVER_ERROR_BODY)
        if mode == "slow":
            time.sleep(slow_seconds)
        if mode == "malformed":
            body = (b'{"bitcoin":{"usd":764' if endpoint == "simple_price"
                    else b'{"prices":[[1700000000000,764')
            return self.send_body(200, body)
        if mode == "wrong_shape":
            body = ({"bitcoin": "76497"} if endpoint == "simple_price"
                    else {"prices": "none"})
            return self.send_body(200, body)

        params = urllib.parse.parse_qs(query, keep_blank_values=True)

        def param(name):
            v = params.get(name)
            return v[-1] if v else None

        now_ms = st.now_ms()
        if endpoint == "simple_price":
            ids = param("ids")
            vs = param("vs_currencies")
            if not ids or not ids.strip():
                return self.send_body(400, {"error": "Missing parameter ids"})
            if not vs or not vs.strip():
                return self.send_body(
                    400, {"error": "Missing parameter vs_currencies"})
            wanted_vs = [v.strip().lower() for v in vs.split(",")]
            wanted_vs = [v for v in dict.fromkeys(wanted_vs)
                         if v in VS_CURRENCIES]
            out = {}
            for cid in dict.fromkeys(i.strip().lower() for i in ids.split(",")):
                if cid in COINS:
                    out[cid] = {v: price_at(cid, now_ms) for v in wanted_vs}
            return self.send_body(200, out)

        # market_chart
        if coin not in COINS:
            return self.send_body(404, {"error": "coin not found"})
        vs = param("vs_currency")
        if vs is None or not vs.strip():
            return self.send_body(
                400, {"error": "Missing parameter vs_currency"})
        if vs.strip().lower() not in VS_CURRENCIES:
            return self.send_body(400, {"error": "invalid vs_currency"})
        days = parse_days(param("days"))
        if days is None:
            return self.send_body(400, {"error": "invalid days"})
        return self.send_body(200, market_chart(coin, days, now_ms))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, verbose=False):
        super().__init__(addr, Handler)
        self.state = State()
        self.verbose = verbose


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_bind(bind):
    if not (bind in LOOPBACK or bind.startswith("127.")):
        raise ValueError("refusing to bind %r: loopback only" % bind)
    return "127.0.0.1" if bind == "localhost" else bind


def serve(port, bind="127.0.0.1", verbose=False):
    """Start the stand-in in a daemon thread; returns (server, thread)."""
    server = Server((check_bind(bind), port), verbose=verbose)
    thread = threading.Thread(target=server.serve_forever,
                              name="price-standin", daemon=True)
    thread.start()
    return server, thread


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--verbose", action="store_true",
                    help="log every request on stderr")
    args = ap.parse_args(argv)
    try:
        if ":" in args.bind:
            Server.address_family = __import__("socket").AF_INET6
        server, thread = serve(args.port, args.bind, args.verbose)
    except (ValueError, OSError) as e:
        print("price stand-in: %s" % e, file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    host, port = server.server_address[:2]
    shown = "[%s]" % host if ":" in host else host
    print("price stand-in listening on http://%s:%d" % (shown, port),
          flush=True)
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
