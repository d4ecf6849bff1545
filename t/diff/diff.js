#!/usr/bin/env node
/* Differential test of libqnftcore's Solana code against @solana/web3.js and
 * @metaplex-foundation/mpl-token-metadata (test-only devDependencies).
 *
 *   node t/diff/diff.js --driver t/diff/qnft_diff [--seed N] [--pdas N]
 *        [--atas N] [--mints N] [--compiles N] [--transfers N] [--verbose]
 *
 * Generates cases with a seeded PRNG, runs the C driver (t/diff/qnft_diff.c)
 * once with all of them on stdin, and checks every answer:
 *  - find/create program address, ATA, Metaplex PDAs: web3.js PublicKey
 *    findProgramAddressSync / createProgramAddressSync;
 *  - the curve test: @noble/curves (web3.js's own dependency) in ZIP-215
 *    mode, which decompresses the way curve25519-dalek does;
 *  - base58: bs58 (web3.js's dependency);
 *  - messages (System transfer, random instruction lists, the full mint
 *    transaction in both standards): Message.from of the C bytes compared
 *    semantically with web3.js Transaction.compileMessage() of the same
 *    instructions (written independently here from spec/solana.md), and
 *    byte for byte with web3.js Message.compile() (same key order claimed
 *    by qnft_tx.h);
 *  - Metaplex instruction data: decoded with mpl-token-metadata's
 *    serializers and checked against the intended values.
 * Exits 1 with the first mismatches on stderr; prints one summary line:
 *   diff ok: seed=S pda=N create_pda=N ata=N ... mismatches=0 */
'use strict';

const path = require('path');
const crypto = require('crypto');
const os = require('os');
const { spawn } = require('child_process');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

const web3 = require('@solana/web3.js');
const mpl = require('@metaplex-foundation/mpl-token-metadata');
const umi = require('@metaplex-foundation/umi');

/* web3.js's own dependencies, resolved where web3.js resolves them, so the
 * versions are the ones the lockfile pins for it */
const web3Dir = path.dirname(require.resolve('@solana/web3.js/package.json'));
const fromWeb3 = (name) => require(require.resolve(name, { paths: [web3Dir] }));
const bs58 = fromWeb3('bs58');
const { ed25519 } = fromWeb3('@noble/curves/ed25519');

const { PublicKey, TransactionInstruction, Transaction, Message, SystemProgram } = web3;

/* --- arguments ------------------------------------------------------------------- */

const opts = {
  driver: process.env.QNFT_DIFF_DRIVER || path.join(__dirname, 'qnft_diff'),
  seed: 20240613,
  pdas: 10000,
  atas: 10000,
  mints: 200,
  compiles: 2000,
  transfers: 500,
  curves: 3000,
  b58: 2000,
  verbose: false,
};
for (let i = 2; isMainThread && i < process.argv.length; i++) {
  const a = process.argv[i];
  const name = a.replace(/^--/, '');
  if (a === '--verbose') {
    opts.verbose = true;
  } else if (a.startsWith('--') && name in opts && i + 1 < process.argv.length) {
    const v = process.argv[++i];
    opts[name] = name === 'driver' ? v : Number(v);
    if (name !== 'driver' && !Number.isSafeInteger(opts[name])) {
      usage(`${a} needs an integer`);
    }
  } else {
    usage(`unknown argument ${a}`);
  }
}

function usage(msg) {
  process.stderr.write(`diff.js: ${msg}\nusage: node diff.js --driver PATH [--seed N] ` +
    '[--pdas N] [--atas N] [--mints N] [--compiles N] [--transfers N] [--curves N] ' +
    '[--b58 N] [--verbose]\n');
  process.exit(2);
}

/* --- seeded PRNG (sfc32 seeded through splitmix32) ---------------------------- */

function makeRng(seed) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  const r = {
    u32: next,
    int: (lo, hi) => lo + Math.floor((next() / 4294967296) * (hi - lo + 1)), /* [lo, hi] */
    chance: (p) => next() / 4294967296 < p,
    pick: (arr) => arr[Math.floor((next() / 4294967296) * arr.length)],
    bytes: (n) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
    u64: () => (BigInt(next()) << 32n) | BigInt(next()),
  };
  r.key = () => new PublicKey(r.bytes(32));
  return r;
}

let rng;    /* made by generate(), after the options are known */

/* --- constants --------------------------------------------------------------------- */

const P = {
  system: new PublicKey('11111111111111111111111111111111'),
  token: new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'),
  token2022: new PublicKey('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'),
  ata: new PublicKey('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL'),
  metadata: new PublicKey('metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s'),
  rent: new PublicKey('SysvarRent111111111111111111111111111111111'),
  computeBudget: new PublicKey('ComputeBudget111111111111111111111111111111'),
  bpfLoader: new PublicKey('BPFLoader1111111111111111111111111111111111'),
};
const WELL_KNOWN = Object.values(P);
const SYMBOL = 'QNFT';
const U64_MAX = (1n << 64n) - 1n;

/* --- cases and checks ---------------------------------------------------------------- */

const cases = [];           /* {input, check(answer) -> string[] of problems, kind} */
let mplDecoded = 0;
let maxTx = { metaplex: 0, token2022: 0 };

/* expect() (optional) computes the reference value before the driver
 * answers (in parallel with it); check(ans, expected) lists problems and
 * defaults to comparing the fields of expected. */
function add(kind, input, check, expect) {
  input.id = cases.length;
  cases.push({ kind, input, check: check || ((ans, exp) => expectFields(ans, exp)), expect });
}

const hex = (b) => Buffer.from(b).toString('hex');
const b58 = (k) => (typeof k === 'string' ? k : k.toBase58());

function web3Find(seeds, program) {
  try {
    const [addr, bump] = PublicKey.findProgramAddressSync(seeds, program);
    return { status: 'ok', address: addr.toBase58(), bump };
  } catch (e) {
    if (e instanceof TypeError) return { status: 'bad_seeds', address: null, bump: null };
    return { status: 'no_bump', address: null, bump: null };
  }
}

function web3Create(seeds, program) {
  try {
    return { status: 'ok', address: PublicKey.createProgramAddressSync(seeds, program).toBase58() };
  } catch (e) {
    if (e instanceof TypeError) return { status: 'bad_seeds', address: null };
    if (/off the curve/.test(e.message)) return { status: 'on_curve', address: null };
    throw e;
  }
}

function expectFields(ans, want) {
  const bad = [];
  for (const [k, v] of Object.entries(want)) {
    if (ans[k] !== v) bad.push(`${k}: C ${JSON.stringify(ans[k])}, expected ${JSON.stringify(v)}`);
  }
  return bad;
}

function randomSeeds(maxSeeds) {
  const n = rng.int(0, maxSeeds);
  const seeds = [];
  for (let i = 0; i < n; i++) seeds.push(rng.bytes(rng.int(0, 32)));
  return seeds;
}

const randomProgram = () => (rng.chance(0.1) ? rng.pick(WELL_KNOWN) : rng.key());

/* PDAs: find_program_address and create_program_address */
function genPdas() {
  for (let i = 0; i < opts.pdas; i++) {
    const seeds = randomSeeds(4), program = randomProgram();
    add('pda', { op: 'pda', seeds: seeds.map(hex), program: b58(program) },
      null, () => web3Find(seeds, program));
  }
  for (let i = 0; i < opts.pdas; i++) {
    const seeds = randomSeeds(5), program = randomProgram();
    add('create_pda', { op: 'create_pda', seeds: seeds.map(hex), program: b58(program) },
      null, () => web3Create(seeds, program));
  }
  /* limits: web3.js checks the seed length only; the seed count limit
   * (16 with the bump) is solana-program's MAX_SEEDS (spec/solana.md) */
  for (let i = 0; i < 50; i++) {
    const program = rng.key();
    const long = randomSeeds(3);
    long.splice(rng.int(0, long.length), 0, rng.bytes(rng.int(33, 64)));
    add('pda_limits', { op: 'create_pda', seeds: long.map(hex), program: b58(program) },
      (ans) => expectFields(ans, web3Create(long, program)));
    add('pda_limits', { op: 'pda', seeds: long.map(hex), program: b58(program) },
      (ans) => expectFields(ans, web3Find(long, program)));
    const s16 = Array.from({ length: 16 }, () => rng.bytes(rng.int(0, 32)));
    add('pda_limits', { op: 'create_pda', seeds: s16.map(hex), program: b58(program) },
      (ans) => expectFields(ans, web3Create(s16, program)));
    const s15 = s16.slice(0, 15);
    add('pda_limits', { op: 'pda', seeds: s15.map(hex), program: b58(program) },
      (ans) => expectFields(ans, web3Find(s15, program)));
    add('pda_limits', { op: 'pda', seeds: s16.map(hex), program: b58(program) },
      (ans) => expectFields(ans, { status: 'bad_seeds', address: null, bump: null }));
    const s17 = s16.concat([rng.bytes(rng.int(0, 32))]);
    add('pda_limits', { op: 'create_pda', seeds: s17.map(hex), program: b58(program) },
      (ans) => expectFields(ans, { status: 'bad_seeds', address: null }));
  }
  /* fixed vectors of spec/solana.md */
  const vec = (seeds, program, want) => add('pda_vectors',
    { op: 'create_pda', seeds: seeds.map(hex), program },
    (ans) => expectFields(ans, { status: 'ok', address: want }));
  const bpf = 'BPFLoader1111111111111111111111111111111111';
  vec([Buffer.alloc(0), Buffer.from([1])], bpf, '3gF2KMe9KiC6FNVBmfg9i267aMPvK37FewCip4eGBFcT');
  vec([Buffer.from('☉')], bpf, '7ytmC1nT1xY4RfxCV2ZgyA7UakC93do5ZdyhdF3EtPj7');
  vec([Buffer.from('Talking'), Buffer.from('Squirrels')], bpf,
    'HwRVBufQ4haG5XSgpspwKtNd3PC9GM9m1196uJW36vds');
  vec([new PublicKey('SeedPubey1111111111111111111111111111111111').toBuffer()], bpf,
    'GUs5qLUfsEHkcMB9T38vjr18ypEhRuNWiePW2LoK4E3K');
  add('pda_vectors', { op: 'pda', seeds: [''], program: bpf },
    (ans) => expectFields(ans, { status: 'ok', bump: 255,
      address: 'EXWkUCz3YJU9TDVk39ogA4TwoVsUi75ZDhH6yT7acPgQ' }));
}

/* associated token accounts under both token programs */
function web3Ata(wallet, mint, tokenProgram) {
  return PublicKey.findProgramAddressSync(
    [wallet.toBuffer(), tokenProgram.toBuffer(), mint.toBuffer()], P.ata)[0].toBase58();
}

function genAtas() {
  for (let i = 0; i < opts.atas; i++) {
    const wallet = rng.key(), mint = rng.key();
    for (const tp of [P.token, P.token2022]) {
      add('ata', { op: 'ata', wallet: b58(wallet), mint: b58(mint), token_program: b58(tp) },
        null, () => ({ status: 'ok', address: web3Ata(wallet, mint, tp) }));
    }
  }
  const vec = (w, m, tp, want) => add('ata_vectors',
    { op: 'ata', wallet: w, mint: m, token_program: b58(tp) },
    (ans) => expectFields(ans, { status: 'ok', address: want }));
  vec('B8UwBUUnKwCyKuGMbFKWaG7exYdDk2ozZrPg72NyVbfj', '7o36UsWR1JQLpZ9PE2gn9L4SQ69CNNiWAXd4Jt7rqz9Z',
    P.token, 'DShWnroshVbeUp28oopA3Pu7oFPDBtC1DBmPECXXAQ9n');
  vec('22Wnk8PwyWZV7BfkZGJEKT9jGGdtvu7xY6EXeRh7zkBa', '2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo',
    P.token2022, '5nu6HDY7t1Ds8oPNsArrhb1rzvRqmGubyteyAUncFyNb');
}

function metaplexPdas(mint) {
  const [md, mb] = PublicKey.findProgramAddressSync(
    [Buffer.from('metadata'), P.metadata.toBuffer(), mint.toBuffer()], P.metadata);
  const [ed, eb] = PublicKey.findProgramAddressSync(
    [Buffer.from('metadata'), P.metadata.toBuffer(), mint.toBuffer(), Buffer.from('edition')],
    P.metadata);
  return { metadata: md, metadata_bump: mb, edition: ed, edition_bump: eb };
}

function genMetaplexPdas() {
  const n = Math.max(1, Math.floor(opts.mints));
  const check = (mint) => (ans) => {
    const w = metaplexPdas(mint);
    return expectFields(ans, { metadata: b58(w.metadata), metadata_bump: w.metadata_bump,
      edition: b58(w.edition), edition_bump: w.edition_bump });
  };
  for (let i = 0; i < n; i++) {
    const mint = rng.key();
    add('metaplex_pdas', { op: 'metaplex_pdas', mint: b58(mint) }, check(mint));
  }
  add('metaplex_pdas', { op: 'metaplex_pdas', mint: 'HDLRMKW1FDz2q5Zg778CZx26UgrtnqpUDkNNJHhmVUFr' },
    (ans) => expectFields(ans, { metadata: 'Ff68e9DL9p1GUBkhRXxdv61wiYd8X6iFWTS6XWgsDptP',
      metadata_bump: 253 }));
}

/* the curve test: dalek semantics = noble in ZIP-215 mode; web3.js's own
 * isOnCurve (RFC 8032 strict) must agree except on the few encodings
 * where the two rules differ (non-canonical y, x = 0 with the sign bit) */
const FIELD_P = (1n << 255n) - 19n;
const leBytes = (n) => {
  const b = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) { b[i] = Number(n & 0xffn); n >>= 8n; }
  return b;
};
function dalekOnCurve(bytes) {
  try { ed25519.ExtendedPoint.fromHex(bytes, true); return 1; } catch (e) { return 0; }
}
function genCurves() {
  const check = (bytes, strictSame) => (ans) => {
    const want = dalekOnCurve(bytes);
    const bad = expectFields(ans, { on_curve: want });
    if (strictSame && PublicKey.isOnCurve(bytes) !== (want === 1)) {
      bad.push(`web3.js isOnCurve ${PublicKey.isOnCurve(bytes)} disagrees with ZIP-215 ${want}`);
    }
    return bad;
  };
  for (let i = 0; i < opts.curves; i++) {
    const b = rng.bytes(32);
    add('on_curve', { op: 'on_curve', bytes: hex(b) }, check(b, true));
  }
  for (let i = 0; i < 200; i++) {   /* real public keys: on the curve */
    const b = web3.Keypair.fromSeed(rng.bytes(32)).publicKey.toBytes();
    add('on_curve', { op: 'on_curve', bytes: hex(b) }, (ans) => expectFields(ans, { on_curve: 1 }));
  }
  /* edge encodings: y = 0, 1, p-1, p..2^255-1 (non-canonical), both signs */
  const edges = [0n, 1n, FIELD_P - 1n];
  for (let k = 0n; k < 19n; k++) edges.push(FIELD_P + k);
  for (const y of edges) {
    for (const sign of [0, 1]) {
      const b = leBytes(y);
      b[31] |= sign << 7;
      add('on_curve_edges', { op: 'on_curve', bytes: hex(b) }, check(b, false));
    }
  }
}

/* base58 */
function genB58() {
  for (let i = 0; i < opts.b58; i++) {
    const zeros = rng.chance(0.3) ? rng.int(1, 5) : 0;
    const b = Buffer.concat([Buffer.alloc(zeros), rng.bytes(rng.int(0, 64))]);
    add('b58', { op: 'b58', hex: hex(b) }, (ans) => expectFields(ans,
      { b58: bs58.encode(b), back: hex(b) }));
  }
  const ALPHA = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  for (let i = 0; i < 500; i++) {
    let text;
    if (rng.chance(0.5)) {
      text = bs58.encode(Buffer.concat([Buffer.alloc(rng.chance(0.2) ? rng.int(1, 3) : 0),
        rng.bytes(rng.int(30, 33))]));
    } else {
      text = Array.from({ length: rng.int(0, 46) }, () => rng.pick(ALPHA)).join('');
    }
    if (rng.chance(0.1)) {          /* a character outside the alphabet */
      const pos = rng.int(0, text.length);
      text = text.slice(0, pos) + rng.pick(['0', 'O', 'I', 'l', ' ', '+']) + text.slice(pos);
    }
    add('b58_decode', { op: 'b58_decode', text, n: 32 }, (ans) => {
      let want = null;
      try {
        const d = Buffer.from(bs58.decode(text));
        want = d.length === 32 ? hex(d) : null;
      } catch (e) { want = null; }
      return expectFields(ans, { hex: want });
    });
  }
}

/* --- messages ---------------------------------------------------------------------- */

const ix = (programId, keys, data) => new TransactionInstruction({
  programId, data: Buffer.from(data),
  keys: keys.map(([pubkey, isSigner, isWritable]) => ({ pubkey, isSigner, isWritable })),
});
const u16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const borshStr = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([u32(b.length), b]); };
const disc = (name) => crypto.createHash('sha256')
  .update(`spl_token_metadata_interface:${name}`).digest().subarray(0, 8);
const TM_INITIALIZE = disc('initialize_account');
const TM_UPDATE_FIELD = disc('updating_field');

/* instruction builders written from spec/solana.md */
const X = {
  createAccount: (payer, acct, lamports, space, owner) => ix(P.system,
    [[payer, true, true], [acct, true, true]],
    Buffer.concat([u32(0), u64(lamports), u64(space), owner.toBuffer()])),
  transfer: (from, to, lamports) => ix(P.system, [[from, true, true], [to, false, true]],
    Buffer.concat([u32(2), u64(lamports)])),
  initializeMint2: (tp, mint, decimals, auth, freeze) => ix(tp, [[mint, false, true]],
    Buffer.concat([Buffer.from([20, decimals]), auth.toBuffer(),
      freeze ? Buffer.concat([Buffer.from([1]), freeze.toBuffer()]) : Buffer.from([0])])),
  mintTo: (tp, mint, dest, auth, amount) => ix(tp,
    [[mint, false, true], [dest, false, true], [auth, true, false]],
    Buffer.concat([Buffer.from([7]), u64(amount)])),
  setAuthority: (tp, target, current, type, newAuth) => ix(tp,
    [[target, false, true], [current, true, false]],
    Buffer.concat([Buffer.from([6, type]),
      newAuth ? Buffer.concat([Buffer.from([1]), newAuth.toBuffer()]) : Buffer.from([0])])),
  ataCreate: (payer, ata, wallet, mint, tp, idempotent) => ix(P.ata,
    [[payer, true, true], [ata, false, true], [wallet, false, false], [mint, false, false],
      [P.system, false, false], [tp, false, false]],
    idempotent ? Buffer.from([1]) : Buffer.alloc(0)),
  metadataPointerInit: (mint, auth, addr) => ix(P.token2022, [[mint, false, true]],
    Buffer.concat([Buffer.from([39, 0]), auth.toBuffer(), addr.toBuffer()])),
  tmInitialize: (prog, md, updAuth, mint, mintAuth, name, symbol, uri) => ix(prog,
    [[md, false, true], [updAuth, false, false], [mint, false, false], [mintAuth, true, false]],
    Buffer.concat([TM_INITIALIZE, borshStr(name), borshStr(symbol), borshStr(uri)])),
  tmUpdateKey: (prog, md, updAuth, key, value) => ix(prog,
    [[md, false, true], [updAuth, true, false]],
    Buffer.concat([TM_UPDATE_FIELD, Buffer.from([3]), borshStr(key), borshStr(value)])),
};

/* Metaplex data through mpl-token-metadata's own serializers */
function mplMetadataArgs(c) {
  return {
    data: {
      name: c.name, symbol: c.symbol || SYMBOL, uri: c.uri,
      sellerFeeBasisPoints: c.seller_fee_basis_points ?? 500,
      creators: umi.some([{ address: umi.publicKey(c.creator), verified: c.creator === c.payer,
        share: 100 }]),
      collection: umi.none(), uses: umi.none(),
    },
    isMutable: true, collectionDetails: umi.none(),
  };
}
const metadataSer = mpl.getCreateMetadataAccountV3InstructionDataSerializer();
const editionSer = mpl.getCreateMasterEditionV3InstructionDataSerializer();

function expectedMintIxs(c) {
  const k = (s) => new PublicKey(s);
  const payer = k(c.payer), owner = k(c.owner), mint = k(c.mint);
  const ixs = [];
  const fee = BigInt(c.fee_lamports);
  if (fee > 0n) ixs.push(X.transfer(payer, k(c.fee_to), fee));
  if (c.standard === 'metaplex') {
    const tp = P.token;
    const ata = new PublicKey(web3Ata(owner, mint, tp));
    const { metadata, edition } = metaplexPdas(mint);
    ixs.push(X.createAccount(payer, mint, BigInt(c.mint_rent), 82, tp));
    ixs.push(X.initializeMint2(tp, mint, 0, payer, payer));
    ixs.push(X.ataCreate(payer, ata, owner, mint, tp, false));
    ixs.push(X.mintTo(tp, mint, ata, payer, 1));
    ixs.push(ix(P.metadata,
      [[metadata, false, true], [mint, false, false], [payer, true, false], [payer, true, true],
        [payer, true, false], [P.system, false, false]],
      metadataSer.serialize(mplMetadataArgs(c))));
    ixs.push(ix(P.metadata,
      [[edition, false, true], [mint, false, true], [payer, true, false], [payer, true, false],
        [payer, true, true], [metadata, false, true], [tp, false, false],
        [P.system, false, false]],
      editionSer.serialize({ maxSupply: umi.some(0) })));
  } else {
    const tp = P.token2022;
    const ata = new PublicKey(web3Ata(owner, mint, tp));
    ixs.push(X.createAccount(payer, mint, BigInt(c.mint_rent), 234, tp));
    ixs.push(X.metadataPointerInit(mint, payer, mint));
    ixs.push(X.initializeMint2(tp, mint, 0, payer, null));
    ixs.push(X.tmInitialize(tp, mint, payer, mint, payer, c.name, c.symbol || SYMBOL, c.uri));
    for (const [key, value] of c.extra) ixs.push(X.tmUpdateKey(tp, mint, payer, key, value));
    ixs.push(X.ataCreate(payer, ata, owner, mint, tp, true));
    ixs.push(X.mintTo(tp, mint, ata, payer, 1));
    ixs.push(X.setAuthority(tp, mint, payer, 0, null));
  }
  return ixs;
}

/* A message as comparable facts: keys with flags (a map: order inside a
 * header group is not fixed by the protocol) and instructions by address. */
function facts(msg) {
  const keys = msg.accountKeys.map((k) => k.toBase58());
  return {
    header: [msg.header.numRequiredSignatures, msg.header.numReadonlySignedAccounts,
      msg.header.numReadonlyUnsignedAccounts],
    keys,
    flags: new Map(keys.map((key, i) => [key,
      `${msg.isAccountSigner(i) ? 'S' : '-'}${msg.isAccountWritable(i) ? 'W' : '-'}`])),
    blockhash: msg.recentBlockhash,
    ixs: msg.compiledInstructions.map((c) => ({
      program: keys[c.programIdIndex],
      accounts: Array.from(c.accountKeyIndexes, (i) => keys[i]),
      data: hex(c.data),
    })),
  };
}

function compareMessages(cBytes, payer, blockhash, ixs) {
  const bad = [];
  let cMsg;
  try {
    cMsg = Message.from(cBytes);
  } catch (e) {
    return [`web3.js cannot decode the C message: ${e.message}`];
  }
  if (!Buffer.from(cMsg.serialize()).equals(cBytes)) {
    bad.push('C message does not round-trip through web3.js (trailing or non-canonical bytes)');
  }
  const tx = new Transaction({ feePayer: payer, recentBlockhash: blockhash });
  tx.add(...ixs);
  const got = facts(cMsg), want = facts(tx.compileMessage());
  if (got.header.join() !== want.header.join()) {
    bad.push(`header: C [${got.header}], web3.js [${want.header}]`);
  }
  if (got.keys[0] !== b58(payer)) bad.push(`key 0 is ${got.keys[0]}, not the fee payer`);
  if (new Set(got.keys).size !== got.keys.length) bad.push('a key appears twice');
  if (got.keys.length !== want.keys.length) {
    bad.push(`${got.keys.length} keys in C, ${want.keys.length} in web3.js`);
  }
  for (const [key, f] of want.flags) {
    if (got.flags.get(key) !== f) bad.push(`key ${key}: C ${got.flags.get(key) || 'absent'}, web3.js ${f}`);
  }
  for (const key of got.flags.keys()) {
    if (!want.flags.has(key)) bad.push(`key ${key} only in the C message`);
  }
  if (got.blockhash !== want.blockhash) bad.push('recent blockhash differs');
  if (got.ixs.length !== want.ixs.length) {
    bad.push(`${got.ixs.length} instructions in C, ${want.ixs.length} in web3.js`);
  }
  for (let i = 0; i < Math.min(got.ixs.length, want.ixs.length); i++) {
    const g = got.ixs[i], w = want.ixs[i];
    if (g.program !== w.program) bad.push(`ix ${i} program: C ${g.program}, web3.js ${w.program}`);
    if (g.accounts.join() !== w.accounts.join()) {
      bad.push(`ix ${i} accounts: C [${g.accounts}], web3.js [${w.accounts}]`);
    }
    if (g.data !== w.data) bad.push(`ix ${i} data: C ${g.data}, web3.js ${w.data}`);
  }
  /* qnft_tx.h promises web3.js Message.compile's key order: byte equality */
  if (!bad.length) {
    const exact = Buffer.from(Message.compile({ payerKey: payer, recentBlockhash: blockhash,
      instructions: ixs }).serialize());
    if (!exact.equals(cBytes)) {
      bad.push(`bytes differ from web3.js Message.compile (key order): C [${got.keys}], ` +
        `web3.js [${Message.from(exact).accountKeys.map(b58)}]`);
    }
  }
  return bad;
}

const msgBytes = (ans) => Buffer.from(ans.message_b64 || '', 'base64');
const blockhash = () => bs58.encode(rng.bytes(32));

function genTransfers() {
  for (let i = 0; i < opts.transfers; i++) {
    const from = rng.key(), to = rng.chance(0.02) ? from : rng.key();
    const lamports = rng.pick([0n, 1n, U64_MAX, rng.u64(), BigInt(rng.u32())]);
    const bh = blockhash();
    add('transfer_tx', { op: 'transfer_tx', from: b58(from), to: b58(to),
      lamports: lamports.toString(), blockhash: bh }, (ans) => {
      if (!ans.message_b64) return [`no message: ${ans.build_error}`];
      const mine = X.transfer(from, to, lamports);
      const theirs = SystemProgram.transfer({ fromPubkey: from, toPubkey: to, lamports });
      const bad = compareMessages(msgBytes(ans), from, bh, [theirs]);
      if (!mine.data.equals(theirs.data)) bad.push('spec transfer data != web3.js SystemProgram');
      return bad;
    });
  }
  /* spec vector: web3.js transaction test, message part */
  add('transfer_vectors', { op: 'transfer_tx', from: '2KW2XRd9kwqet15Aha2oK3tYvd3nWbTFH1MBiRAv1BE1',
    to: 'J3dxNj7nDRRqRRXuEMynDG57DkZK4jYRuv3Garmb1i99', lamports: 49,
    blockhash: 'EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k' }, (ans) => {
    const full = Buffer.from('AVuErQHaXv0SG0/PchunfxHKt8wMRfMZzqV0tkC5qO6owYxWU2v871AoWywGoFQr4z+q/7mE8lIufNl/kxj+nQ0BAAEDE5j2LG0aRXxRumpLXz29L2n8qTIWIY3ImX5Ba9F9k8r9Q5/Mtmcn8onFxt47xKj+XdXXd3C8j/FcPu7csUrz/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAxJrndgN4IFTxep3s6kO0ROug7bEsbx0xxuDkqEvwUusBAgIAAQwCAAAAMQAAAAAAAAA=', 'base64');
    return msgBytes(ans).equals(full.subarray(1 + 64)) ? [] : ['differs from the spec vector'];
  });
}

/* random instruction lists: de-duplication, flag merging, ordering */
function genCompiles() {
  for (let i = 0; i < opts.compiles; i++) {
    const pool = Array.from({ length: rng.int(2, 12) }, () => rng.key());
    const programs = Array.from({ length: rng.int(1, 3) },
      () => (rng.chance(0.3) ? rng.pick(WELL_KNOWN) : rng.key()));
    const payer = pool[0];
    const ixs = [];
    const nix = rng.int(1, 5);
    for (let j = 0; j < nix; j++) {
      const keys = [];
      const nacc = rng.int(0, 7);
      for (let a = 0; a < nacc; a++) {
        /* mostly pool keys; sometimes a program id used as an account */
        const key = rng.chance(0.1) ? rng.pick(programs) : rng.pick(pool);
        keys.push([key, rng.chance(0.3), rng.chance(0.5)]);
      }
      ixs.push(ix(rng.pick(programs), keys, rng.bytes(rng.int(0, 40))));
    }
    const bh = blockhash();
    add('compile', {
      op: 'compile', payer: b58(payer), blockhash: bh,
      instructions: ixs.map((x) => ({ program: b58(x.programId), data: hex(x.data),
        accounts: x.keys.map((m) => [b58(m.pubkey), m.isSigner, m.isWritable]) })),
    }, (ans) => {
      if (!ans.message_b64) return [`no message: ${ans.build_error}`];
      return compareMessages(msgBytes(ans), payer, bh, ixs);
    });
  }
  /* refusals (qnft_tx.h): the fee payer as a program, more than 256 keys */
  for (let i = 0; i < 20; i++) {
    const payer = rng.key();
    add('compile_refusals', { op: 'compile', payer: b58(payer), blockhash: blockhash(),
      instructions: [{ program: b58(payer), accounts: [], data: '' }] },
    (ans) => (ans.build_error ? [] : ['fee payer as a program was accepted']));
  }
  for (const n of [254, 255, 256]) {  /* payer + program + n accounts */
    const payer = rng.key(), program = rng.key();
    const accounts = Array.from({ length: n }, () => [b58(rng.key()), false, false]);
    const bh = blockhash();
    const input = { op: 'compile', payer: b58(payer), blockhash: bh,
      instructions: [{ program: b58(program), accounts, data: '' }] };
    add('compile_limits', input, (ans) => {
      if (n + 2 > 256) return ans.build_error ? [] : [`${n + 2} keys were accepted`];
      if (!ans.message_b64) return [`${n + 2} keys refused: ${ans.build_error}`];
      /* far over the packet size, which web3.js cannot serialize: compare
       * the decoded facts with the intended ones */
      const m = facts(Message.from(msgBytes(ans)));
      const bad = [];
      if (m.header.join() !== `1,0,${n + 1}`) bad.push(`header [${m.header}]`);
      const want = [b58(payer), b58(program)].concat(accounts.map(([k]) => k));
      if (m.keys.join() !== want.join()) bad.push('keys are not payer, program, accounts');
      if (m.ixs.length !== 1 || m.ixs[0].program !== b58(program)
          || m.ixs[0].accounts.join() !== accounts.map(([k]) => k).join() || m.ixs[0].data) {
        bad.push('instruction differs');
      }
      return bad;
    });
  }
}

/* random UTF-8 text of at most maxBytes bytes (whole characters) */
const CHARS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:/#?=&%',
  'é', 'ß', 'Ω', 'Ж', '中', '文', '☉', '€', '🚀', '😀', '"', '\\', '\t',
];
function text(maxBytes) {
  const target = rng.int(0, maxBytes);
  let s = '';
  while (true) {
    const ch = rng.pick(CHARS);
    if (Buffer.byteLength(s + ch) > target) break;
    s += ch;
  }
  return s;
}
function exactText(bytes) {      /* exactly `bytes` bytes */
  let s = text(bytes);
  while (Buffer.byteLength(s) < bytes) s += 'x';
  return s;
}

function checkMetaplexData(c, cMsg, bad) {
  const keys = cMsg.accountKeys.map(b58);
  const mdIxs = cMsg.compiledInstructions.filter((x) => keys[x.programIdIndex] === b58(P.metadata));
  const cm = mdIxs.find((x) => x.data[0] === 33), ce = mdIxs.find((x) => x.data[0] === 17);
  if (mdIxs.length !== 2 || !cm || !ce) {
    bad.push('metaplex message lacks CreateMetadataAccountV3 / CreateMasterEditionV3');
    return;
  }
  let md, mdLen, ed, edLen;
  try {
    [md, mdLen] = metadataSer.deserialize(cm.data);
    [ed, edLen] = editionSer.deserialize(ce.data);
  } catch (e) {
    bad.push(`mpl-token-metadata cannot decode: ${e.message}`);
    return;
  }
  mplDecoded++;
  const want = (what, got, exp) => {
    if (got !== exp) bad.push(`${what}: decoded ${JSON.stringify(got)}, intended ${JSON.stringify(exp)}`);
  };
  want('metadata data length', mdLen, cm.data.length);
  want('edition data length', edLen, ce.data.length);
  want('discriminator', md.discriminator, 33);
  want('name', md.data.name, c.name);
  want('symbol', md.data.symbol, c.symbol || SYMBOL);
  want('uri', md.data.uri, c.uri);
  want('sellerFeeBasisPoints', md.data.sellerFeeBasisPoints, c.seller_fee_basis_points ?? 500);
  const cr = md.data.creators;
  if (!umi.isSome(cr) || cr.value.length !== 1) {
    bad.push(`creators: ${JSON.stringify(cr)}`);
  } else {
    want('creator address', cr.value[0].address, c.creator);
    want('creator verified', cr.value[0].verified, c.creator === c.payer);
    want('creator share', cr.value[0].share, 100);
  }
  want('collection', md.data.collection.__option, 'None');
  want('uses', md.data.uses.__option, 'None');
  want('isMutable', md.isMutable, true);
  want('collectionDetails', md.collectionDetails.__option, 'None');
  want('edition discriminator', ed.discriminator, 17);
  if (!umi.isSome(ed.maxSupply) || ed.maxSupply.value !== 0n) {
    bad.push(`maxSupply: ${JSON.stringify(ed.maxSupply, (k, v) => (typeof v === 'bigint' ? `${v}` : v))}`);
  }
}

function addMint(c, expectError) {
  add(expectError ? 'mint_refusals' : 'mint_tx', Object.assign({ op: 'mint_tx' }, c), (ans) => {
    if (expectError) {
      return ans.build_error ? [] : [`accepted: ${expectError}`];
    }
    if (!ans.message_b64) return [`no message: ${ans.build_error || ans.error}`];
    const cBytes = msgBytes(ans);
    const bad = compareMessages(cBytes, new PublicKey(c.payer), c.blockhash, expectedMintIxs(c));
    /* payer and mint sign, whoever owns the token */
    if (ans.num_signatures !== 2) bad.push(`${ans.num_signatures} signatures, expected 2`);
    /* the account size the rent is asked for (spec/solana.md; Token-2022
     * TokenMetadata: 4-byte TLV header, 2 keys, 3 strings, extra-fields vec) */
    const sz = c.standard === 'metaplex' ? 82 : 234 + 4 + 64 + 4 + Buffer.byteLength(c.name)
      + 4 + Buffer.byteLength(c.symbol || SYMBOL) + 4 + Buffer.byteLength(c.uri) + 4
      + c.extra.reduce((n, [k, v]) => n + 8 + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (ans.mint_account_size !== sz) bad.push(`mint_account_size ${ans.mint_account_size}, expected ${sz}`);
    maxTx[c.standard] = Math.max(maxTx[c.standard], ans.tx_size);
    if (c.standard === 'metaplex' && !bad.length) {
      checkMetaplexData(c, Message.from(cBytes), bad);
    }
    return bad;
  });
}

function randomMint(standard) {
  const payer = rng.key(), owner = rng.chance(0.1) ? payer : rng.key();
  const extra = Array.from({ length: rng.int(0, 3) }, () => [text(24), text(40)]);
  const fee = rng.chance(0.3) ? 0n : rng.pick([1n, U64_MAX, rng.u64(), BigInt(rng.u32())]);
  return {
    standard, payer: b58(payer), owner: b58(owner), mint: b58(rng.key()),
    name: text(32), uri: text(200), extra,
    fee_lamports: fee.toString(),
    fee_to: b58(rng.chance(0.1) ? owner : rng.key()),
    mint_rent: rng.pick([0n, 1461600n, BigInt(rng.u32()), rng.u64()]).toString(),
    blockhash: blockhash(),
    creator: rng.chance(0.5) ? b58(payer) : b58(rng.key()),
  };
}

function genMints() {
  for (let i = 0; i < opts.mints; i++) addMint(randomMint(i % 2 ? 'token2022' : 'metaplex'));
  for (const standard of ['metaplex', 'token2022']) {
    const c = randomMint(standard);     /* the longest values the limits allow */
    c.name = exactText(32);
    c.uri = exactText(200);
    c.fee_lamports = '5000000';
    addMint(c);
    const e = randomMint(standard);     /* empty strings, no fee */
    e.name = '';
    e.uri = '';
    e.fee_lamports = '0';
    addMint(e);
  }
  const long = (field, n, why) => {
    const c = randomMint('metaplex');
    c[field] = exactText(n);
    addMint(c, why);
  };
  long('name', 33, 'metaplex name of 33 bytes');
  long('uri', 201, 'metaplex uri of 201 bytes');
  const sym = randomMint('metaplex');
  sym.symbol = 'ABCDEFGHIJK';
  addMint(sym, 'metaplex symbol of 11 bytes');
  const fee = randomMint('metaplex');
  fee.seller_fee_basis_points = 10001;
  addMint(fee, 'seller fee of 10001 basis points');
}

/* --- run ------------------------------------------------------------------------------
 * The main thread sends the cases to the driver; worker threads (one per
 * CPU, at most 4) regenerate the same cases from the seed, compute the
 * web3.js reference values of their share while the driver runs, then
 * check the driver's answers for it. */

function generate() {
  rng = makeRng(opts.seed);
  genPdas();
  genAtas();
  genMetaplexPdas();
  genCurves();
  genB58();
  genTransfers();
  genCompiles();
  genMints();
}

function checkShard(answers) {
  const out = { counts: {}, mismatches: [], nmismatch: 0, mplDecoded: 0, maxTx: null };
  for (const line of answers) {
    const ans = JSON.parse(line);
    const c = cases[ans.id];
    out.counts[c.kind] = (out.counts[c.kind] || 0) + 1;
    let bad;
    if (ans.error) {
      bad = [`driver refused the case: ${ans.error}`];
    } else {
      try {
        bad = c.check(ans, c.expected);
      } catch (e) {
        bad = [`check threw: ${e.stack.split('\n').slice(0, 3).join(' | ')}`];
      }
    }
    if (bad.length) {
      out.nmismatch++;
      if (out.mismatches.length < 100) {
        out.mismatches.push({ kind: c.kind, input: c.input, answer: ans, problems: bad });
      }
    }
  }
  out.mplDecoded = mplDecoded;
  out.maxTx = maxTx;
  return out;
}

function workerMain() {
  const { shard, shards } = workerData;
  Object.assign(opts, workerData.opts);
  generate();
  for (const c of cases) {
    if (c.input.id % shards === shard && c.expect) c.expected = c.expect();
  }
  parentPort.postMessage({ ready: true });
  parentPort.once('message', (answers) => parentPort.postMessage(checkShard(answers)));
}

function die(msg) {
  process.stderr.write(`diff.js: ${msg}\n`);
  process.exit(2);
}

async function main() {
  const t0 = Date.now();
  generate();
  const input = cases.map((c) => JSON.stringify(c.input)).join('\n') + '\n';
  const shards = Math.max(1, Math.min(4, os.cpus().length));
  const workers = Array.from({ length: shards }, (_, shard) =>
    new Worker(__filename, { workerData: { shard, shards, opts } }));
  const ready = workers.map((w) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  }));

  const driverOut = await new Promise((resolve) => {
    const child = spawn(opts.driver, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks = [], errs = [];
    child.on('error', (e) => die(`driver ${opts.driver} cannot run: ${e.message}`));
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => errs.push(d));
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => {
      if (code !== 0) {
        die(`driver ${opts.driver} failed: exit ${code} signal ${signal}\n` +
          Buffer.concat(errs).toString());
      }
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    child.stdin.end(input);
  });
  const tDriver = Date.now() - t0;

  const lines = driverOut.split('\n').filter((l) => l.length);
  if (lines.length !== cases.length) die(`${cases.length} cases sent, ${lines.length} answers`);
  const perShard = workers.map(() => []);
  const seen = new Uint8Array(cases.length);
  for (const line of lines) {
    const m = /^\{"id":(\d+)[,}]/.exec(line);
    const id = m ? Number(m[1]) : -1;
    if (!(id >= 0 && id < cases.length) || seen[id]) die(`unexpected answer: ${line.slice(0, 200)}`);
    seen[id] = 1;
    perShard[id % shards].push(line);
  }
  await Promise.all(ready);
  const results = await Promise.all(workers.map((w, i) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.postMessage(perShard[i]);
  })));
  await Promise.all(workers.map((w) => w.terminate()));

  const counts = {}, byKind = {};
  const mismatches = [];
  let nmismatch = 0, decoded = 0;
  const tx = { metaplex: 0, token2022: 0 };
  for (const r of results) {
    for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] || 0) + v;
    for (const m of r.mismatches) byKind[m.kind] = (byKind[m.kind] || 0) + 1;
    mismatches.push(...r.mismatches);
    nmismatch += r.nmismatch;
    decoded += r.mplDecoded;
    for (const s of Object.keys(tx)) tx[s] = Math.max(tx[s], r.maxTx[s]);
  }
  mismatches.sort((a, b) => a.input.id - b.input.id);
  if (nmismatch) {
    process.stderr.write(`MISMATCH: ${nmismatch} case(s) differ from the reference ` +
      `(${Object.entries(byKind).map(([k, v]) => `${k}=${v}`).join(' ')}); the first ones:\n`);
    for (const m of mismatches.slice(0, opts.verbose ? 100 : 8)) {
      process.stderr.write(`- ${m.kind} ${JSON.stringify(m.input).slice(0, 600)}\n` +
        `  C: ${JSON.stringify(m.answer).slice(0, 400)}\n` +
        m.problems.slice(0, 6).map((p) => `  * ${p}\n`).join(''));
    }
  }
  const order = Object.keys(counts).sort((a, b) =>
    cases.findIndex((c) => c.kind === a) - cases.findIndex((c) => c.kind === b));
  process.stdout.write(`diff ${nmismatch ? 'FAILED' : 'ok'}: seed=${opts.seed} ` +
    `${order.map((k) => `${k}=${counts[k]}`).join(' ')} mpl_decoded=${decoded} ` +
    `max_tx_bytes=metaplex:${tx.metaplex},token2022:${tx.token2022} ` +
    `mismatches=${nmismatch} driver=${tDriver}ms total=${Date.now() - t0}ms workers=${shards}\n`);
  process.exit(nmismatch ? 1 : 0);
}

if (isMainThread) {
  main().catch((e) => die(e.stack));
} else {
  workerMain();
}
