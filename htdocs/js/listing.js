// Listing and delisting an NFT with a message the owner's wallet signs
// (solana:signMessage, Ed25519). The text must be byte for byte the one
// the server rebuilds (mod_qnft/market/qnft_listing_msg.c): these lines
// joined by "\n", no trailing newline.

import { postJSON, studio } from './api.js';
import { base58Encode } from './encoding.js';
import { connected, signMessage } from './wallet.js';

const EXPIRES_IN_S = 600;       // the server accepts at most an hour ahead

export function listingMessage(m) {
    return [
        'QNFT marketplace',
        `domain: ${m.domain}`,
        `action: ${m.action}`,
        m.action === 'delist' ? `listing_id: ${m.listingId}` : `price_lamports: ${m.priceLamports}`,
        `mint: ${m.mint}`,
        `seller: ${m.seller}`,
        `nonce: ${m.nonce}`,
        `expires_at: ${m.expiresAt}`,
    ].join('\n');
}

function newNonce() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// The marketplace's public base URL as the server names it in the text it
// checks (QNFTPublicURL, else its ServerName): from /studio, so a page
// opened by another name of the server still signs the right text.
async function marketDomain() {
    return (await studio()).public_url;
}

async function signed(fields) {
    const account = connected() && connected().account;
    if (!account) {
        throw new Error('Connect the wallet that owns this NFT first.');
    }
    const m = {
        domain: await marketDomain(), seller: account.address, nonce: newNonce(),
        expiresAt: Math.floor(Date.now() / 1000) + EXPIRES_IN_S, ...fields,
    };
    const signature = await signMessage(new TextEncoder().encode(listingMessage(m)));
    return { m, signature: base58Encode(signature) };
}

export async function listNft(mint, lamports) {
    const { m, signature } = await signed({ action: 'list', mint, priceLamports: lamports.toString() });
    const { body } = await postJSON('/marketplace/listings', {
        mint, seller: m.seller, price_lamports: Number(lamports), nonce: m.nonce,
        expires_at: m.expiresAt, signature,
    });
    return body.listing;
}

export async function delistNft(mint, listingId) {
    const { m, signature } = await signed({ action: 'delist', mint, listingId });
    const { body } = await postJSON(`/marketplace/listings/${encodeURIComponent(listingId)}/delist`, {
        seller: m.seller, nonce: m.nonce, expires_at: m.expiresAt, signature,
    });
    return body.listing;
}
