// Shared by the browser scenarios: Debian's Chromium driven by
// playwright-core, a watch on every page (console errors, uncaught
// exceptions, CSP violations, failed requests), screenshots, and a test
// wallet that speaks the Wallet Standard and signs with an Ed25519 key
// held here in Node.
'use strict';

const assert = require('assert/strict');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

// Without these Chromium tries to reach the network and hangs (design.md 11).
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run'];

const VIEWPORTS = {
    desktop: { viewport: { width: 1280, height: 900 } },
    phone: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true,
             deviceScaleFactor: 2 },
};

function launch() {
    return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

// --- base58, independent of the page's own ----------------------------------------

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function b58encode(buf) {
    let n = BigInt('0x' + (Buffer.from(buf).toString('hex') || '0'));
    let out = '';
    while (n > 0n) {
        out = B58[Number(n % 58n)] + out;
        n /= 58n;
    }
    for (const byte of buf) {
        if (byte !== 0) {
            break;
        }
        out = '1' + out;
    }
    return out;
}

// --- the test wallet ------------------------------------------------------------------

// An Ed25519 key from a 32-byte seed (hex), as Solana wallets hold them.
function testKey(seedHex) {
    const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
                               Buffer.from(seedHex, 'hex')]);
    const privateKey = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const publicKey = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
        .subarray(-32);
    return {
        address: b58encode(publicKey),
        publicKey: [...publicKey],
        sign: (bytes) => crypto.sign(null, Buffer.from(bytes), privateKey),
        verify: (bytes, sig) => crypto.verify(null, Buffer.from(bytes), crypto.createPublicKey(privateKey), sig),
    };
}

// Runs in the page before its scripts: a wallet of the Wallet Standard's
// shape that registers itself both ways (an app-ready listener and a
// register-wallet event). Signing goes to Node through exposed functions.
function walletInPage({ address, publicKey, name }) {
    const CHAINS = ['solana:mainnet', 'solana:devnet', 'solana:testnet', 'solana:localnet'];
    const FEATURES = ['standard:connect', 'standard:disconnect', 'standard:events',
                      'solana:signTransaction', 'solana:signMessage'];
    const icon = 'data:image/svg+xml;base64,' + btoa('<svg xmlns="http://www.w3.org/2000/svg" '
        + 'viewBox="0 0 8 8"><rect width="8" height="8" fill="#2fbf71"/></svg>');
    const key = new Uint8Array(publicKey);
    const account = Object.freeze({ address, publicKey: key, chains: CHAINS, features: FEATURES,
                                    label: 'QNFT test key', icon });
    const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
    const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const shortvec = (bytes, at) => {
        let value = 0;
        for (let i = 0; i < 3; i++) {
            const b = bytes[at + i];
            value |= (b & 0x7f) << (7 * i);
            if (!(b & 0x80)) {
                return [value, at + i + 1];
            }
        }
        throw new Error('bad shortvec');
    };
    let connected = false;
    const changeListeners = new Set();

    // Signs the message part and puts the signature in our slot, which
    // is our key's index among the required signers.
    async function signOne({ account: who, transaction, chain }) {
        if (!who || who.address !== address) {
            throw new Error('unknown account');
        }
        const [nsig, sigStart] = shortvec(transaction, 0);
        const msgStart = sigStart + 64 * nsig;
        const message = transaction.subarray(msgStart);
        let h = 0;
        if (message[0] & 0x80) {
            h = 1;                                  // versioned: a prefix byte
        }
        const required = message[h];
        const [nkeys, keysStart] = shortvec(message, h + 3);
        let slot = -1;
        for (let i = 0; i < Math.min(required, nkeys); i++) {
            const k = message.subarray(keysStart + 32 * i, keysStart + 32 * (i + 1));
            if (k.every((b, j) => b === key[j])) {
                slot = i;
            }
        }
        if (slot < 0) {
            throw new Error('this wallet is not a signer of the transaction');
        }
        const sig = unb64(await window.__qnftWalletSignTx(b64(message), chain || ''));
        const out = new Uint8Array(transaction);
        out.set(sig, sigStart + 64 * slot);
        return { signedTransaction: out };
    }

    const wallet = {
        version: '1.0.0',
        name,
        icon,
        chains: CHAINS,
        get accounts() {
            return connected ? [account] : [];
        },
        features: {
            'standard:connect': {
                version: '1.0.0',
                connect: async () => {
                    await window.__qnftWalletEvent('connect');
                    connected = true;
                    changeListeners.forEach((fn) => fn({ accounts: [account] }));
                    return { accounts: [account] };
                },
            },
            'standard:disconnect': {
                version: '1.0.0',
                disconnect: async () => {
                    connected = false;
                    changeListeners.forEach((fn) => fn({ accounts: [] }));
                },
            },
            'standard:events': {
                version: '1.0.0',
                on: (event, fn) => {
                    if (event !== 'change') {
                        return () => {};
                    }
                    changeListeners.add(fn);
                    return () => changeListeners.delete(fn);
                },
            },
            'solana:signTransaction': {
                version: '1.0.0',
                supportedTransactionVersions: ['legacy', 0],
                signTransaction: (...inputs) => Promise.all(inputs.map(signOne)),
            },
            'solana:signMessage': {
                version: '1.0.0',
                signMessage: (...inputs) => Promise.all(inputs.map(async ({ account: who, message }) => {
                    if (!who || who.address !== address) {
                        throw new Error('unknown account');
                    }
                    const sig = unb64(await window.__qnftWalletSignMsg(b64(message)));
                    return { signedMessage: message, signature: sig };
                })),
            },
        },
    };
    const callback = ({ register }) => register(wallet);
    window.addEventListener('wallet-standard:app-ready', ({ detail }) => callback(detail));
    try {
        window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: callback }));
    } catch {
        // no listener yet: the app-ready listener above covers it
    }
}

// The Node half: the key, and a log of everything the page had signed.
async function installWallet(context, seedHex, name = 'QNFT Test Wallet') {
    const key = testKey(seedHex);
    const log = { connects: 0, transactions: [], messages: [] };
    await context.exposeFunction('__qnftWalletEvent', (what) => {
        if (what === 'connect') {
            log.connects++;
        }
    });
    await context.exposeFunction('__qnftWalletSignTx', (b64message, chain) => {
        const message = Buffer.from(b64message, 'base64');
        log.transactions.push({ chain, bytes: message.length });
        return key.sign(message).toString('base64');
    });
    await context.exposeFunction('__qnftWalletSignMsg', (b64message) => {
        const message = Buffer.from(b64message, 'base64');
        log.messages.push(message.toString('utf8'));
        return key.sign(message).toString('base64');
    });
    await context.addInitScript(walletInPage, { address: key.address, publicKey: key.publicKey, name });
    return { address: key.address, log, key };
}

// --- watching pages ---------------------------------------------------------------

// Everything that counts as a page going wrong, kept per browser context.
async function watch(context) {
    const w = { console: [], pageErrors: [], csp: [], failed: [], http: [], warnings: [] };
    await context.exposeFunction('__qnftReportCsp', (v) => w.csp.push(v));
    await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
            window.__qnftReportCsp({ directive: e.effectiveDirective, blocked: e.blockedURI,
                                     source: e.sourceFile, line: e.lineNumber, sample: e.sample });
        });
    });
    context.on('console', (m) => {
        const entry = `${m.type()}: ${m.text()} (${m.location().url || 'page'})`;
        if (m.type() === 'error') {
            w.console.push(entry);
        } else if (m.type() === 'warning') {
            w.warnings.push(entry);
        }
    });
    context.on('page', (page) => page.on('pageerror', (e) => w.pageErrors.push(String(e.stack || e))));
    context.on('requestfailed', (r) => {
        const why = r.failure() ? r.failure().errorText : '';
        // a fetch the page aborted on purpose, an image dropped with its card
        if (why !== 'net::ERR_ABORTED') {
            w.failed.push(`${r.method()} ${r.url()}: ${why}`);
        }
    });
    context.on('response', (r) => {
        if (r.status() >= 400) {
            w.http.push(`${r.status()} ${r.request().method()} ${r.url()}`);
        }
    });
    return w;
}

// Fails unless nothing went wrong, apart from what the scenario expects.
function assertClean(w, allow = {}) {
    const keep = (list, patterns = []) => list.filter((x) => !patterns.some((p) => p.test(
        typeof x === 'string' ? x : JSON.stringify(x))));
    const problems = {
        console: keep(w.console, allow.console), pageErrors: w.pageErrors,
        csp: keep(w.csp, allow.csp), failed: w.failed, http: keep(w.http, allow.http),
    };
    for (const [kind, list] of Object.entries(problems)) {
        assert.deepEqual(list, [], `${kind} problems: ${JSON.stringify(list, null, 1)}`);
    }
}

async function newContext(browser, size = 'desktop') {
    return browser.newContext({ ...VIEWPORTS[size], locale: 'en-US', timezoneId: 'Europe/Paris' });
}

async function open(page, url) {
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
}

// Waits for a status line to end busy; returns {state, text}.
async function settled(page, selector, timeout = 90000) {
    await page.waitForFunction((sel) => {
        const s = document.querySelector(sel).dataset.state;
        return s === 'done' || s === 'error';
    }, selector, { timeout });
    return page.$eval(selector, (n) => ({ state: n.dataset.state, text: n.textContent }));
}

// Steps 1 and 2 of the studio with a photo from disk: {upload, gif}.
async function photoToGif(page, photo) {
    const uploadAnswer = page.waitForResponse((r) => r.url().endsWith('/upload_image'));
    await page.setInputFiles('#file', photo);
    const upload = await (await uploadAnswer).json();
    assert.equal((await settled(page, '#photo-status')).state, 'done');
    const gifAnswer = page.waitForResponse((r) => r.url().includes('/generate_gif/'));
    await page.click('#make-gif');
    const gif = await (await gifAnswer).json();
    assert.equal((await settled(page, '#gif-status')).state, 'done');
    return { upload, gif };
}

// A JSON-RPC call to the local chain (its test controls included).
async function chainRpc(url, method, params = []) {
    const res = await fetch(url, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = await res.json();
    if (body.error) {
        throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    }
    return body.result;
}

// A price as the page shows it ("74,294.51") against the server's value.
function samePrice(text, value) {
    if (value === null || value === undefined) {
        return text === 'n/a';
    }
    return Math.abs(Number(text.replace(/,/g, '')) - Number(value)) < 0.005 + 1e-9;
}

function artifactsDir() {
    const dir = process.env.QNFT_BROWSER_ARTIFACTS
        || path.join(__dirname, '..', 'artifacts', 'browser');
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

async function shot(page, name, fullPage = true) {
    const file = path.join(artifactsDir(), `${name}.png`);
    await page.screenshot({ path: file, fullPage });
    return file;
}

module.exports = {
    artifactsDir, assert, assertClean, b58encode, chainRpc, installWallet, launch, newContext, open, photoToGif,
    samePrice, settled, shot, testKey, VIEWPORTS, walletInPage, watch,
};
