#!/usr/bin/env node
// The local Solana chain for mod_qnft's development and tests: a JSON-RPC
// 2.0 server on 127.0.0.1 around litesvm, which runs the real System, SPL
// Token, Token-2022 and Associated Token programs in process. It answers
// the methods mod_qnft uses (and a few a developer wants), keeps its state
// in a file across restarts, and funds the given accounts at start.
// Not for production: a development tool, like solana-test-validator.
//
//   node chain/qnft-chain.js --port 8899 --state var/chain/state.bin \
//        [--fund <address>[:<lamports>] ...]
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const crypto = require('crypto');
const { LiteSVM } = require('litesvm');
const kit = require('@solana/kit');

const b58enc = kit.getBase58Encoder();   // string -> bytes
const b58dec = kit.getBase58Decoder();   // bytes -> string
const LAMPORTS_PER_SOL = 1000000000n;
const BLOCKHASH_VALID_SLOTS = 150n;
const MAX_BODY = 1 << 20;
const VERSION = { 'solana-core': '2.2.0-qnft-litesvm', 'feature-set': 0 };

function parseArgs(argv) {
    const a = { port: 8899, state: null, fund: [], slotMs: 400, testControls: false };
    for (let i = 2; i < argv.length; i++) {
        const k = argv[i], v = argv[i + 1];
        if (k === '--port') { a.port = Number(v); i++; }
        else if (k === '--state') { a.state = v; i++; }
        else if (k === '--fund') { a.fund.push(v); i++; }
        else if (k === '--slot-ms') { a.slotMs = Number(v); i++; }
        else if (k === '--test-controls') { a.testControls = true; }
        else { console.error('unknown argument ' + k); process.exit(2); }
    }
    return a;
}

const args = parseArgs(process.argv);

// --- state: the SVM snapshot plus what litesvm does not keep for us ----------
let svm;
let meta = { slot: 1, statuses: {} };   // signature -> {slot, err}
const metaPath = args.state ? args.state + '.json' : null;

// The snapshot and the statuses must change together: a chain killed between
// writing one and the other would know a transaction's effects but not its
// signature (or the reverse). So each save writes a new snapshot file, then
// renames into place the meta file that names it: that rename is the commit.
function load() {
    if (args.state && fs.existsSync(metaPath)) {
        meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
    }
    const snapshot = args.state && (meta.snapshot
        ? path.join(path.dirname(args.state), meta.snapshot) : args.state);
    if (snapshot && fs.existsSync(snapshot)) {
        svm = LiteSVM.loadFromFile(snapshot);
    } else {
        meta = { slot: 1, statuses: {} };
        svm = new LiteSVM().withTransactionHistory(100000n);
    }
}

function save() {
    if (!args.state) return;
    const dir = path.dirname(args.state);
    const base = path.basename(args.state);
    fs.mkdirSync(dir, { recursive: true });
    meta.gen = (meta.gen || 0) + 1;
    meta.snapshot = base + '.' + meta.gen;
    svm.saveToFile(path.join(dir, meta.snapshot));
    fs.writeFileSync(metaPath + '.tmp', JSON.stringify(meta));
    fs.renameSync(metaPath + '.tmp', metaPath);
    // older snapshots (and the single file of earlier versions) are unused now
    for (const f of fs.readdirSync(dir)) {
        if ((f === base || /^\d+$/.test(f.slice(base.length + 1)) && f.startsWith(base + '.'))
            && f !== meta.snapshot) {
            fs.rmSync(path.join(dir, f), { force: true });
        }
    }
}

// Time passes: one slot per tick, as on a real cluster, so blockhashes age
// and getSlot moves. The blockhash changes every slot; litesvm accepts only
// the latest, so we remember recent ones and their slots ourselves.
const recent = new Map();   // blockhash -> slot
function tick() {
    meta.slot += 1;
    svm.warpToSlot(BigInt(meta.slot));
    svm.expireBlockhash();
    recent.set(svm.latestBlockhash(), meta.slot);
    for (const [h, s] of recent) if (BigInt(s) + BLOCKHASH_VALID_SLOTS < BigInt(meta.slot)) recent.delete(h);
}

// --- helpers ------------------------------------------------------------------
class RpcError extends Error {
    constructor(code, message, data) { super(message); this.code = code; this.data = data; }
}

function addr(s) {
    if (typeof s !== 'string') throw new RpcError(-32602, 'Invalid param: not a base58 address');
    let bytes;
    try { bytes = b58enc.encode(s); } catch (e) { bytes = null; }
    if (!bytes || bytes.length !== 32) throw new RpcError(-32602, 'Invalid param: WrongSize');
    return s;
}

function context() { return { apiVersion: VERSION['solana-core'], slot: meta.slot }; }

function txErrJson(err) {
    // litesvm's error objects print as Rust enums; keep the text, shaped like RPC's
    if (err === null || err === undefined) return null;
    const s = String(err.toString ? err.toString() : err);
    return { InstructionError: s };
}

function decodeTxParam(p, opts) {
    const enc = (opts && opts.encoding) || 'base58';
    let bytes;
    try {
        bytes = enc === 'base64' ? Buffer.from(p, 'base64') : Buffer.from(b58enc.encode(p));
    } catch (e) {
        throw new RpcError(-32602, 'invalid transaction: failed to decode ' + enc);
    }
    if (bytes.length === 0 || bytes.length > 1232) {
        throw new RpcError(-32602, 'invalid transaction: size ' + bytes.length);
    }
    return bytes;
}

// The first signature of a wire transaction: shortvec count then 64 bytes.
function firstSignature(bytes) {
    if (bytes[0] === 0 || bytes.length < 65) throw new RpcError(-32602, 'invalid transaction: no signatures');
    return b58dec.decode(bytes.subarray(1, 65));
}

// The recent blockhash inside a legacy message.
function messageBlockhash(bytes) {
    let o = 0, n = 0, shift = 0, b;
    do { b = bytes[o++]; n |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    o += 64 * n;
    if (bytes[o] & 0x80) o++;          // versioned prefix
    o += 3;
    n = 0; shift = 0;
    do { b = bytes[o++]; n |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    o += 32 * n;
    return b58dec.decode(bytes.subarray(o, o + 32));
}

function accountJson(acc, encoding) {
    const data = Buffer.from(acc.data);
    return {
        data: encoding === 'base58' ? b58dec.decode(data) : [data.toString('base64'), 'base64'],
        executable: acc.executable,
        lamports: Number(acc.lamports),
        owner: acc.programAddress,
        rentEpoch: '__U64MAX__',
        space: data.length,
    };
}

function getAccount(a) {
    const acc = svm.getAccount(a);
    return acc && acc.exists ? acc : null;
}

// Test controls (only with --test-controls): "hang_after_send" processes a
// transaction and then never answers, as a node that dies mid-request;
// "hide_status" reports no signature as seen yet, as a slow cluster;
// the SEND_FAULTS below fail the next sendTransaction without processing
// it, then the mode is normal again.
let mode = 'normal';

const SEND_FAULTS = {
    // its preflight refuses it, as for a payer short of funds
    refuse_next_send: () => new RpcError(-32002, 'Transaction simulation failed: Attempt to '
        + 'debit an account but found no record of a prior credit.',
        { err: 'AccountNotFound', logs: [], accounts: null, unitsConsumed: 0 }),
    // the node fails on it, as one that may or may not have forwarded it
    error_next_send: () => new RpcError(-32603, 'Internal error'),
};
const MODES = ['normal', 'hang_after_send', 'hide_status', ...Object.keys(SEND_FAULTS)];

// --- methods --------------------------------------------------------------------
const methods = {
    getHealth: () => 'ok',
    getVersion: () => VERSION,
    getSlot: () => meta.slot,
    getBlockHeight: () => meta.slot,
    getGenesisHash: () => 'qnftLocaLChain11111111111111111111111111111',
    getLatestBlockhash: () => ({
        context: context(),
        value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: meta.slot + Number(BLOCKHASH_VALID_SLOTS) },
    }),
    isBlockhashValid: (p) => ({ context: context(), value: recent.has(p[0]) }),
    getMinimumBalanceForRentExemption: (p) => {
        const n = Number(p[0]);
        if (!Number.isInteger(n) || n < 0 || n > 10 * 1024 * 1024) throw new RpcError(-32602, 'Invalid param: data length');
        return Number(svm.minimumBalanceForRentExemption(BigInt(n)));
    },
    getBalance: (p) => {
        const b = svm.getBalance(addr(p[0]));
        return { context: context(), value: b === null ? 0 : Number(b) };
    },
    getAccountInfo: (p) => {
        const acc = getAccount(addr(p[0]));
        return { context: context(), value: acc ? accountJson(acc, (p[1] || {}).encoding) : null };
    },
    requestAirdrop: (p) => {
        const lamports = BigInt(p[1]);
        if (lamports <= 0n || lamports > 1000n * LAMPORTS_PER_SOL) throw new RpcError(-32602, 'Invalid param: lamports');
        const r = svm.airdrop(addr(p[0]), lamports);
        if (!r || typeof r.err === 'function') throw new RpcError(-32603, 'airdrop failed');
        const sig = b58dec.decode(r.signature());
        meta.statuses[sig] = { slot: meta.slot, err: null };
        save();
        return sig;
    },
    sendTransaction: (p) => {
        const opts = p[1] || {};
        if (SEND_FAULTS[mode]) {
            const fault = SEND_FAULTS[mode]();
            mode = 'normal';
            throw fault;
        }
        const bytes = decodeTxParam(p[0], opts);
        const sig = firstSignature(bytes);
        const hash = messageBlockhash(bytes);
        if (!recent.has(hash) && hash !== svm.latestBlockhash()) {
            throw new RpcError(-32002, 'Transaction simulation failed: Blockhash not found',
                { err: 'BlockhashNotFound', logs: [], accounts: null, unitsConsumed: 0 });
        }
        if (meta.statuses[sig]) return sig;          // a resend of a processed tx
        // litesvm checks against its latest blockhash only: let the clock
        // return to the transaction's blockhash slot view by disabling the
        // check for hashes we know are still valid
        const internal = svm.inner;
        internal.setBlockhashCheck(false);
        let r;
        try {
            r = internal.sendLegacyTransaction(bytes);
        } catch (e) {
            throw new RpcError(-32003, 'Transaction signature verification failure: ' + e.message);
        } finally {
            internal.setBlockhashCheck(true);
        }
        if (typeof r.err === 'function') {
            const err = r.err();
            const logs = r.meta().logs();
            if (!opts.skipPreflight) {
                throw new RpcError(-32002, 'Transaction simulation failed: ' + String(err),
                    { err: txErrJson(err), logs, accounts: null, unitsConsumed: Number(r.meta().computeUnitsConsumed()) });
            }
            meta.statuses[sig] = { slot: meta.slot, err: txErrJson(err), logs };
        } else {
            meta.statuses[sig] = { slot: meta.slot, err: null, logs: r.logs() };
        }
        save();
        return sig;
    },
    simulateTransaction: (p) => {
        const opts = p[1] || {};
        const bytes = decodeTxParam(p[0], opts);
        const internal = svm.inner;
        internal.setBlockhashCheck(false);
        let r;
        try { r = internal.simulateLegacyTransaction(bytes); }
        finally { internal.setBlockhashCheck(true); }
        const failed = typeof r.err === 'function';
        const m = r.meta();
        return { context: context(), value: { err: failed ? txErrJson(r.err()) : null, logs: m.logs(), accounts: null, unitsConsumed: Number(m.computeUnitsConsumed()) } };
    },
    getSignatureStatuses: (p) => {
        const sigs = p[0];
        if (!Array.isArray(sigs) || sigs.length > 256) throw new RpcError(-32602, 'Invalid param: signatures');
        return {
            context: context(),
            value: sigs.map((s) => {
                const st = meta.statuses[s];
                if (!st || mode === 'hide_status') return null;   // hide_status: a slow cluster
                return { slot: st.slot, confirmations: null, err: st.err, status: st.err ? { Err: st.err } : { Ok: null }, confirmationStatus: 'finalized' };
            }),
        };
    },
    getTransaction: (p) => {
        const st = meta.statuses[p[0]];
        if (!st) return null;
        return { slot: st.slot, blockTime: null, meta: { err: st.err, logMessages: st.logs || [], fee: 5000 }, transaction: null };
    },
    getTokenAccountsByOwner: (p) => {
        const owner = addr(p[0]);
        const filter = p[1] || {};
        const encoding = (p[2] || {}).encoding || 'base64';
        const programs = filter.programId ? [addr(filter.programId)] : [
            'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'];
        const wantMint = filter.mint ? addr(filter.mint) : null;
        const out = [];
        for (const prog of programs) {
            for (const acc of svm.getProgramAccounts(prog)) {
                const data = Buffer.from(acc.data);
                if (data.length < 165) continue;               // mints are shorter
                if (data.length > 165 && data[165] !== 2) continue;  // token-2022: account type 2
                const mint = b58dec.decode(data.subarray(0, 32));
                const own = b58dec.decode(data.subarray(32, 64));
                if (own !== owner || (wantMint && mint !== wantMint)) continue;
                const value = encoding === 'jsonParsed'
                    ? { data: { program: 'spl-token', parsed: { info: { mint, owner: own, tokenAmount: { amount: data.readBigUInt64LE(64).toString(), decimals: 0 } }, type: 'account' } }, executable: false, lamports: Number(acc.lamports), owner: prog, rentEpoch: '__U64MAX__', space: data.length }
                    : accountJson(acc, encoding);
                out.push({ pubkey: acc.address, account: value });
            }
        }
        return { context: context(), value: out };
    },
};

if (args.testControls) {
    methods.qnftTest_mode = (p) => {
        if (!MODES.includes(p[0])) throw new RpcError(-32602, 'unknown mode');
        mode = p[0];
        return mode;
    };
}

function handle(req) {
    if (!req || req.jsonrpc !== '2.0' || typeof req.method !== 'string') {
        return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id: req && req.id !== undefined ? req.id : null };
    }
    const fn = methods[req.method];
    if (!fn) return { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: req.id };
    try {
        return { jsonrpc: '2.0', result: fn(Array.isArray(req.params) ? req.params : []), id: req.id };
    } catch (e) {
        if (e instanceof RpcError) {
            const error = { code: e.code, message: e.message };
            if (e.data !== undefined) error.data = e.data;
            return { jsonrpc: '2.0', error, id: req.id };
        }
        return { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error: ' + e.message }, id: req.id };
    }
}

// rentEpoch is u64::MAX on real clusters: print it as the bare number a
// real node sends (beyond 2^53, which JSON.stringify cannot do itself).
function serialize(obj) {
    return JSON.stringify(obj).replace(/"__U64MAX__"/g, '18446744073709551615');
}

function main() {
    load();
    recent.set(svm.latestBlockhash(), meta.slot);
    for (const f of args.fund) {
        const [a, amount] = f.split(':');
        const want = BigInt(amount || String(100n * LAMPORTS_PER_SOL));
        const have = svm.getBalance(a) || 0n;
        if (have < want) svm.airdrop(a, want - have);
    }
    save();
    const timer = setInterval(tick, args.slotMs);
    const server = http.createServer((req, res) => {
        if (req.method !== 'POST') {
            res.writeHead(405, { Allow: 'POST' });
            return res.end();
        }
        let body = [], size = 0;
        req.on('data', (c) => { size += c.length; if (size <= MAX_BODY) body.push(c); });
        req.on('end', () => {
            let parsed, out;
            if (size > MAX_BODY) { res.writeHead(413); return res.end(); }
            try { parsed = JSON.parse(Buffer.concat(body).toString('utf8')); }
            catch (e) { out = { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }; }
            if (!out) out = Array.isArray(parsed) ? parsed.map(handle) : handle(parsed);
            if (mode === 'hang_after_send' && parsed && parsed.method === 'sendTransaction') {
                return;     // processed and saved, but the answer never comes
            }
            const text = serialize(out);
            res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
            res.end(text);
        });
    });
    server.listen(args.port, '127.0.0.1', () => {
        console.log('qnft-chain listening on http://127.0.0.1:' + server.address().port + ' slot ' + meta.slot);
    });
    const stop = () => { clearInterval(timer); server.close(); save(); process.exit(0); };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

main();
