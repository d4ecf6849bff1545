// Minting, as the server defines it (POST /mint_nft):
//   sign "server": the studio's key pays and signs; the answer is the NFT
//     (200) or pending (202, with a status_url to ask).
//   sign "wallet": the answer is a prepared transaction whose fee payer is
//     the owner; the wallet signs it (without sending) and the page posts
//     it to /mint_nft/submit, which checks it byte for byte and relays it.
// One Idempotency-Key per set of choices until it mints: a retry after a
// lost answer or a failure never mints twice; a new mint after a success
// gets a new key.

import { ApiError, getJSON, postJSON, request } from './api.js';
import { base64Decode, base64Encode } from './encoding.js';
import { formatSol } from './format.js';
import { chainFor, signTransaction } from './wallet.js';

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

export async function mintByServer(fields, onStep) {
    onStep('The studio is minting your NFT …');
    const { body } = await post({ ...fields, sign: 'server' });
    return minted(await settle(body, onStep));
}

export async function mintByWallet(fields, cluster, onStep) {
    onStep('Preparing the transaction …');
    const { body: prepared } = await post({ ...fields, sign: 'wallet' });
    if (prepared.status !== 'prepared') {
        return minted(await settle(prepared, onStep));     // this key already minted
    }
    onStep(`Approve in your wallet: ${prepared.name}, mint fee ${formatSol(prepared.fee_lamports || 0)}`
           + ' SOL plus network fees …');
    const signed = await signTransaction(base64Decode(prepared.transaction), chainFor(cluster));
    onStep('Sending the signed transaction …');
    let body;
    try {
        ({ body } = await postJSON(prepared.submit_url || '/mint_nft/submit', {
            mint: prepared.mint,
            transaction: base64Encode(signed),
        }));
    } catch (e) {
        if (e.code === 'prepared_expired') {
            lastChoice = null;      // the same key would prepare the same stale one
        }
        throw e;
    }
    return minted(await settle(body, onStep));
}
