"""The real stack of mod_qnft for tests and development: a private
PostgreSQL cluster and an Apache httpd that loads the freshly built,
uninstalled module, both on free loopback ports under one directory.

Used by the pytest suite (t/integration) and by `./dev.sh run`."""

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IS_ROOT = os.geteuid() == 0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_config(build_dir):
    """What configure found (t/harness/build.json): the same httpd and
    modules the module was built against."""
    import json
    with open(os.path.join(build_dir, "t", "harness", "build.json")) as f:
        return json.load(f)


def pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server not found: apt-get install postgresql")
    return os.path.dirname(found[-1])


class PgCluster:
    """PostgreSQL refuses to run as root: as root, the cluster belongs to
    the postgres system user."""

    def __init__(self, base, port=None, fast=False):
        self.base = os.path.join(base, "pg")
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "run")
        self.log = os.path.join(self.base, "postgres.log")
        self.port = port or free_port()
        self.fast = fast
        self.bindir = pg_bindir()
        self.params = "host=127.0.0.1 port=%d dbname=qnft user=qnft connect_timeout=3" % self.port

    def _run(self, argv, **kw):
        if IS_ROOT:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)

    def init(self):
        if os.path.exists(os.path.join(self.data, "PG_VERSION")):
            return False
        os.makedirs(self.sock, exist_ok=True)
        if IS_ROOT:
            pw = pwd.getpwnam("postgres")
            for d in (self.base, self.sock):
                os.chown(d, pw.pw_uid, pw.pw_gid)
        self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "qnft",
                   "-A", "trust", "-E", "UTF8", "--locale=C"] + (["-N"] if self.fast else []))
        return True

    def start(self):
        opts = "-p %d -k %s -c listen_addresses=127.0.0.1" % (self.port, self.sock)
        if self.fast:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.log,
                   "-w", "-t", "30", "-o", opts, "start"])

    def stop(self):
        try:
            self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "fast",
                       "-w", "stop"])
        except subprocess.CalledProcessError:
            pass

    def running(self):
        return os.path.exists(os.path.join(self.data, "postmaster.pid"))

    def create_db(self):
        r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "qnft",
                            "-d", "postgres", "-Atc",
                            "SELECT 1 FROM pg_database WHERE datname = 'qnft'"],
                           check=True, capture_output=True, text=True)
        if r.stdout.strip() != "1":
            subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "qnft",
                            "qnft"], check=True, capture_output=True, text=True)

    def psql(self, sql):
        r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "qnft",
                            "-d", "qnft", "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                           check=True, capture_output=True, text=True)
        return r.stdout.strip()

    def migrate(self, build_dir):
        subprocess.run([os.path.join(build_dir, "qnft"), "migrate", "--db", self.params,
                        "--sql", os.path.join(SRC, "sql")], check=True,
                       capture_output=True, text=True)


class Chain:
    """The local Solana chain (chain/qnft-chain.js around litesvm)."""

    def __init__(self, base, port=None, fund=(), test_controls=False):
        self.test_controls = test_controls
        self.dir = os.path.join(base, "chain")
        self.port = port or free_port()
        self.state = os.path.join(self.dir, "state.bin")
        self.log = os.path.join(self.dir, "chain.log")
        self.fund = list(fund)
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = None
        os.makedirs(self.dir, exist_ok=True)

    def start(self, timeout=30):
        argv = ["node", os.path.join(SRC, "chain", "qnft-chain.js"), "--port", str(self.port),
                "--state", self.state] + (["--test-controls"] if self.test_controls else [])
        for f in self.fund:
            argv += ["--fund", f]
        self.proc = subprocess.Popen(argv, stdout=open(self.log, "a"), stderr=subprocess.STDOUT,
                                     cwd=SRC)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.rpc("getHealth") == "ok":
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("the local chain did not start:\n" + open(self.log).read()[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def rpc(self, method, params=None):
        import json
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                           "params": params or []}).encode()
        req = urllib.request.Request(self.url, data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            answer = json.loads(r.read())
        if "error" in answer:
            raise RuntimeError("%s: %s" % (method, answer["error"]))
        return answer["result"]


class PriceStandin:
    """The local CoinGecko stand-in (t/harness/price_standin.py)."""

    def __init__(self, base, port=None):
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = os.path.join(base, "price-standin.log")
        self.proc = None

    def start(self, timeout=15):
        self.proc = subprocess.Popen([sys.executable, os.path.join(SRC, "t", "harness",
                                      "price_standin.py"), "--port", str(self.port)],
                                     stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/__calls", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the price stand-in did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def control(self, **kw):
        import json
        req = urllib.request.Request(self.url + "/__control", data=json.dumps(kw).encode(),
                                     headers={"Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(req, timeout=5).read())

    def calls(self):
        import json
        return json.loads(urllib.request.urlopen(self.url + "/__calls", timeout=5).read())

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/__reset", data=b"{}"),
                               timeout=5).read()


class Httpd:
    def __init__(self, base, pg_port, build_dir, port=None, log_level="info qnft:debug",
                 chain_port=0, signer="", price_url=None):
        self.root = os.path.join(base, "httpd")
        self.port = port or free_port()
        self.pg_port = pg_port
        self.build_dir = build_dir
        self.log_level = log_level
        self.storage = os.path.join(base, "storage")
        self.run_dir = os.path.join(self.root, "run")
        self.log_dir = os.path.join(self.root, "logs")
        self.conf = os.path.join(self.root, "httpd.conf")
        self.error_log = os.path.join(self.log_dir, "error_log")
        self.build = build_config(build_dir)
        self.chain_port = chain_port
        self.signer = signer
        self.price_url = price_url
        self.binary = os.environ.get("QNFT_HTTPD") or self.build["httpd"]
        self.url = "http://127.0.0.1:%d" % self.port
        # mod_unique_id gives request ids; without it the module makes them
        self.unique_id = True
        for d in (self.root, self.run_dir, self.log_dir):
            os.makedirs(d, exist_ok=True)

    def render(self, extra="", load_dbd=True):
        with open(os.path.join(SRC, "t", "harness", "httpd.conf.in")) as f:
            text = f.read()
        user_lines = "User www-data\nGroup www-data" if IS_ROOT else ""
        values = {
            "SERVER_ROOT": self.root, "STORAGE": self.storage,
            "HTDOCS": os.path.join(SRC, "htdocs"), "PG_PORT": str(self.pg_port),
            "PORT": str(self.port), "RUN_DIR": self.run_dir, "LOG_DIR": self.log_dir,
            "LOG_LEVEL": self.log_level, "USER_LINES": user_lines,
            "MODULES": self.build["modules"],
            "QNFT_SO": os.path.join(self.build_dir, ".libs", "mod_qnft.so"),
            "SRC": SRC, "EXTRA": extra, "DBD_LOAD": "" if load_dbd else "#",
            "UNIQUE_ID_LOAD": "" if self.unique_id else "#",
            "CHAIN_PORT": str(self.chain_port), "SIGNER": self.signer,
            "PRICE_LINES": ("QNFTPriceSourceURL \"%s/api/v3\"\nQNFTPriceTimeout 2000"
                            % self.price_url) if self.price_url else "",
        }
        return re.sub(r"@([A-Z_]+)@", lambda m: values[m.group(1)], text)

    def write(self, extra="", load_dbd=True):
        with open(self.conf, "w") as f:
            f.write(self.render(extra, load_dbd))
        if IS_ROOT:
            # Children (www-data) must reach the storage below the base dir.
            os.chmod(os.path.dirname(self.root), 0o755)

    def _ctl(self, *args, conf=None):
        return subprocess.run([self.binary, "-d", self.root, "-f", conf or self.conf] + list(args),
                              capture_output=True, text=True)

    def configtest(self, extra="", load_dbd=True):
        path = os.path.join(self.root, "configtest.conf")
        with open(path, "w") as f:
            f.write(self.render(extra, load_dbd))
        r = self._ctl("-t", conf=path)
        return r.returncode, r.stdout + r.stderr

    def start(self, timeout=20):
        r = self._ctl("-k", "start")
        if r.returncode != 0:
            raise RuntimeError("httpd failed to start:\n" + r.stdout + r.stderr + self.tail_log())
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2)
                return
            except urllib.error.HTTPError:
                return          # it answers: up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("httpd did not answer in %ds\n%s" % (timeout, self.tail_log()))

    def pid(self):
        try:
            with open(os.path.join(self.run_dir, "httpd.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self, timeout=20):
        pid = self.pid()
        if not pid:
            return
        self._ctl("-k", "stop")
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
                time.sleep(0.1)
            except ProcessLookupError:
                return
        os.kill(pid, signal.SIGKILL)

    def tail_log(self, n=30):
        try:
            with open(self.error_log) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def log_offset(self):
        try:
            return os.path.getsize(self.error_log)
        except OSError:
            return 0

    def log_since(self, offset):
        try:
            with open(self.error_log, errors="replace") as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return ""


class Stack:
    """PostgreSQL + httpd under base, schema applied."""

    def __init__(self, base, build_dir=SRC, port=None, pg_port=None, fast=False,
                 log_level="info qnft:debug", chain_port=None, offline_prices=True):
        self.base = base
        os.makedirs(base, exist_ok=True)
        self.build_dir = build_dir
        self.pg = PgCluster(base, pg_port, fast=fast)
        self.signer = os.path.join(base, "signer.json")
        if not os.path.exists(self.signer):
            subprocess.run([os.path.join(build_dir, "qnft"), "keygen", "--out", self.signer],
                           check=True, capture_output=True, text=True)
        self.signer_address = subprocess.run(
            [os.path.join(build_dir, "qnft"), "address", self.signer], check=True,
            capture_output=True, text=True).stdout.strip()
        self.chain = Chain(base, chain_port, fund=[self.signer_address + ":1000000000000"],
                           test_controls=fast)
        self.prices = PriceStandin(base) if offline_prices else None
        self.httpd = Httpd(base, self.pg.port, build_dir, port, log_level,
                           chain_port=self.chain.port, signer=self.signer,
                           price_url=self.prices.url if self.prices else None)

    def start(self):
        self.pg.init()
        self.pg.start()
        self.pg.create_db()
        self.pg.migrate(self.build_dir)
        self.chain.start()
        if self.prices:
            self.prices.start()
        self.httpd.write()
        self.httpd.start()

    def stop(self):
        self.httpd.stop()
        if self.prices:
            self.prices.stop()
        self.chain.stop()
        self.pg.stop()


def serve(argv):
    """./dev.sh run: bring the stack up in the foreground until a signal."""
    base = os.path.abspath(os.environ.get("QNFT_STATE_DIR") or os.path.join(SRC, "var"))
    port = int(os.environ.get("QNFT_PORT") or 8080)
    pg_port = int(os.environ.get("QNFT_PG_PORT") or 0) or None
    chain_port = int(os.environ.get("QNFT_CHAIN_PORT") or 0) or None
    # the real price API unless told to stay offline
    offline = os.environ.get("QNFT_OFFLINE_PRICES") == "1"
    stack = Stack(base, SRC, port=port, pg_port=pg_port, log_level="info", chain_port=chain_port,
                  offline_prices=offline)
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
        print("mod_qnft is up:")
        print("  site        %s/" % stack.httpd.url)
        print("  upload      curl -H 'X-Requested-With: 1' -F file=@photo.jpg %s/upload_image" % stack.httpd.url)
        print("  error log   %s" % stack.httpd.error_log)
        print("  database    psql \"%s\"" % stack.pg.params)
        print("  chain       %s (signer %s)" % (stack.chain.url, stack.signer_address))
        print("  prices      %s" % ("local stand-in " + stack.prices.url if stack.prices
                                    else "CoinGecko (QNFT_OFFLINE_PRICES=1 for the stand-in)"))
        print("  state       %s" % base)
        print("Ctrl-C stops everything.")
        sys.stdout.flush()
        while not stopping:
            time.sleep(0.5)
            if not stack.httpd.pid():
                print("httpd exited; see %s" % stack.httpd.error_log)
                break
    finally:
        print("stopping ...")
        stack.stop()
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        sys.exit(serve(sys.argv[2:]))
    print("usage: qnft_stack.py serve", file=sys.stderr)
    sys.exit(2)
