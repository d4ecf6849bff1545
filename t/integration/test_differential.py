"""Differential tests of the core's Solana code against @solana/web3.js and
@metaplex-foundation/mpl-token-metadata (npm devDependencies): t/diff/diff.js
feeds generated cases to the C driver t/diff/qnft_diff (built by `make
check`) and compares every answer with the JavaScript libraries."""

import json
import os
import re
import shutil
import subprocess

import pytest

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DIFF_JS = os.path.join(SRC, "t", "diff", "diff.js")


@pytest.fixture(scope="module")
def driver():
    path = os.environ.get("QNFT_DIFF_DRIVER") or os.path.join(SRC, "t", "diff", "qnft_diff")
    if not os.access(path, os.X_OK):
        pytest.fail("no differential driver at %s: build it with `make check` "
                    "(or set QNFT_DIFF_DRIVER)" % path)
    return path


@pytest.fixture(scope="module")
def node():
    exe = shutil.which("node")
    if not exe:
        pytest.fail("node (20 or later) is needed for the differential tests")
    if not os.path.isdir(os.path.join(SRC, "node_modules", "@solana", "web3.js")):
        pytest.fail("npm devDependencies missing: run `npm ci` in %s" % SRC)
    return exe


def ask(driver, *cases):
    """Run the driver on a few cases; one parsed answer per case."""
    text = "".join(json.dumps(c) + "\n" for c in cases)
    out = subprocess.run([driver], input=text, capture_output=True, text=True, timeout=60,
                         check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_driver_answers_spec_vectors(driver):
    """The driver's protocol on the fixed vectors of spec/solana.md."""
    bpf = "BPFLoader1111111111111111111111111111111111"
    a = ask(driver,
            {"id": 1, "op": "pda", "seeds": [""], "program": bpf},
            {"id": 2, "op": "create_pda", "seeds": ["", "01"], "program": bpf},
            {"id": 3, "op": "ata", "wallet": "B8UwBUUnKwCyKuGMbFKWaG7exYdDk2ozZrPg72NyVbfj",
             "mint": "7o36UsWR1JQLpZ9PE2gn9L4SQ69CNNiWAXd4Jt7rqz9Z",
             "token_program": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"},
            {"id": 4, "op": "create_pda", "seeds": ["00" * 33], "program": bpf},
            {"id": 5, "op": "no_such_op"})
    assert a[0] == {"id": 1, "status": "ok", "bump": 255,
                    "address": "EXWkUCz3YJU9TDVk39ogA4TwoVsUi75ZDhH6yT7acPgQ"}
    assert a[1]["address"] == "3gF2KMe9KiC6FNVBmfg9i267aMPvK37FewCip4eGBFcT"
    assert a[2]["address"] == "DShWnroshVbeUp28oopA3Pu7oFPDBtC1DBmPECXXAQ9n"
    assert a[3] == {"id": 4, "status": "bad_seeds", "address": None}
    assert a[4]["id"] == 5 and "unknown op" in a[4]["error"]


def test_differential_against_web3js(driver, node):
    """10,000 PDAs, 10,000 wallet/mint pairs under both token programs,
    messages and the mint transaction in both standards agree with
    web3.js; Metaplex data decodes with mpl-token-metadata as intended."""
    proc = subprocess.run([node, DIFF_JS, "--driver", driver], cwd=SRC, capture_output=True,
                          text=True, timeout=300)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode == 0, "diff.js exit %d\n%s\n%s" % (
        proc.returncode, summary, proc.stderr[-6000:])
    assert summary.startswith("diff ok:"), summary
    counts = {k: int(v) for k, v in re.findall(r"\b([a-z_0-9]+)=(\d+)\b", summary)}
    assert counts["mismatches"] == 0
    assert counts["pda"] >= 10000
    assert counts["create_pda"] >= 10000
    assert counts["ata"] >= 20000          # 10,000 pairs, SPL Token and Token-2022
    assert counts["metaplex_pdas"] >= 200
    assert counts["on_curve"] >= 1000 and counts["on_curve_edges"] >= 40
    assert counts["b58"] >= 1000 and counts["b58_decode"] >= 100
    assert counts["transfer_tx"] >= 100 and counts["transfer_vectors"] == 1
    assert counts["compile"] >= 1000
    assert counts["mint_tx"] >= 200        # both standards
    assert counts["mpl_decoded"] >= 100    # every metaplex mint_tx
    assert counts["mint_refusals"] >= 4
