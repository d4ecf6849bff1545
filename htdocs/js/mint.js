// Minting, as the server defines it (POST /mint_nft):
//   sign "server": the studio's key pays and signs; the answer is the NFT
//     (200) or pending (202, with a status_url to ask).
//   sign "wallet": the answer is a prepared transaction whose fee payer is
//     the owner; the wallet signs it (without sending) and the page posts
//     it to /mint_nft/submit, which checks it byte for byte and relays it.
// One Idempotency-Key per set of choices until it settles: a retry after a
// lost answer, a timeout or a pending mint never mints twice; after a
// success, or a failure that certainly minted nothing, the next try gets a
// new key (the old one would only replay that answer).

import { ApiError, getJSON, postJSON, request } from './api.js';
import { base64Decode, base64Encode } from './encoding.js';
import { formatSol } from './format.js';
import { canSignTransactions, chainFor, signTransaction } from './wallet.js';

const POLL_MS = 2000;
const POLL_FOR_MS = 120000;

let lastKey = null;
let lastChoice = null;

function idempotencyKey(body) {
    const choice = JSON.stringify(body);
    if (choice !== lastChoice) {
        lastChoice = choice;
        // getRandomValues, unlike randomUUID, works outside secure contexts too
        lastKey = Array.from(crypto.getRandomValues(new Uint8Array(16)),
                             (b) => b.toString(16).padStart(2, '0')).join('');
    }
    return lastKey;
}

function minted(body) {
    lastChoice = null;
    return body;
}

// Answers after which nothing was or will be minted under this key: failed
// on chain, the studio's own refused by preflight (recorded failed), a
// prepared one that expired unsent. Not a wallet's refused transaction
// (transaction_rejected): the wallet holds a signed copy that may yet land,
// so a retry asks about that one until the chain settles it.
const SETTLED_FAILURES = new Set(['transaction_failed', 'transaction_refused', 'prepared_expired']);

function settledFailure(e) {
    return e instanceof ApiError
        && (SETTLED_FAILURES.has(e.code) || (e.body && e.body.status === 'failed'));
}

// Runs one step of a mint; a settled failure frees the key.
async function attempt(fn) {
    try {
        return await fn();
    } catch (e) {
        if (settledFailure(e)) {
            lastChoice = null;
        }
        throw e;
    }
}

function post(body) {
    return request('POST', '/mint_nft', body,
                   { headers: { 'Idempotency-Key': idempotencyKey(body) } });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// 202 means sent, not yet confirmed: ask the status URL until it settles.
async function settle(answer, onStep) {
    let body = answer;
    const until = Date.now() + POLL_FOR_MS;
    while (body.status === 'pending') {
        if (Date.now() > until) {
            throw new ApiError('The network has not confirmed the mint yet. It may still land: '
                               + `check ${body.status_url} later.`, { body });
        }
        onStep('Sent; waiting for the network to confirm …');
        await sleep(POLL_MS);
        body = await getJSON(body.status_url);
    }
    if (body.status === 'failed') {
        throw new ApiError(body.message || 'The transaction failed; nothing was minted.', { body });
    }
    return body;     // "success" (fresh) or "confirmed" (from the status URL)
}

export function mintByServer(fields, onStep) {
    return attempt(async () => {
        onStep('The studio is minting your NFT …');
        const { body } = await post({ ...fields, sign: 'server' });
        return minted(await settle(body, onStep));
    });
}

export function mintByWallet(fields, cluster, onStep) {
    return attempt(async () => {
        const chain = chainFor(cluster);
        canSignTransactions(chain);          // before the server prepares anything
        onStep('Preparing the transaction …');
        const { body: prepared } = await post({ ...fields, sign: 'wallet' });
        if (prepared.status !== 'prepared') {
            return minted(await settle(prepared, onStep));     // this key already minted
        }
        onStep(`Approve in your wallet: ${prepared.name}, mint fee `
               + `${formatSol(prepared.fee_lamports || 0)} SOL plus network fees …`);
        const signed = await signTransaction(base64Decode(prepared.transaction), chain);
        onStep('Sending the signed transaction …');
        const { body } = await postJSON(prepared.submit_url || '/mint_nft/submit', {
            mint: prepared.mint,
            transaction: base64Encode(signed),
        });
        return minted(await settle(body, onStep));
    });
}
