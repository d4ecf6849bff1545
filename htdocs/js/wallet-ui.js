// The wallet corner of the header, the same on every page: "no wallet",
// a connect button (a short menu when several wallets are installed), or
// the connected account with a disconnect button.

import { el, notice, replaceChildren } from './dom.js';
import { shortAddress } from './format.js';
import { availableWallets, connect, connected, disconnect, onWalletChange } from './wallet.js';

function icon(wallet) {
    // wallet icons are data: URIs by the standard; nothing else is loaded
    return typeof wallet.icon === 'string' && /^data:image\/(svg\+xml|png|webp|gif|jpeg);/.test(wallet.icon)
        ? el('img', { class: 'wallet-icon', src: wallet.icon, alt: '', width: 22, height: 22 })
        : null;
}

async function tryConnect(wallet) {
    try {
        notice('');
        await connect(wallet);
    } catch (e) {
        notice(`${wallet.name}: ${e.message || 'the connection was refused.'}`);
    }
}

function connectButton(wallet, label) {
    return el('button', { type: 'button', class: 'small', onclick: () => tryConnect(wallet) },
              icon(wallet), label);
}

function render(box) {
    const now = connected();
    const list = availableWallets();
    if (now) {
        replaceChildren(box,
            icon(now.wallet),
            el('span', { class: 'mono', title: now.account.address, id: 'wallet-address',
                         text: shortAddress(now.account.address) }),
            el('button', { type: 'button', class: 'small secondary', text: 'Disconnect',
                           onclick: () => disconnect().catch(() => {}) }));
    } else if (list.length === 0) {
        replaceChildren(box, el('span', {
            class: 'wallet-none', text: 'No wallet found',
            title: 'Install a Solana wallet that supports the Wallet Standard (Phantom, Solflare, Backpack, ...)',
        }));
    } else if (list.length === 1) {
        replaceChildren(box, connectButton(list[0], `Connect ${list[0].name}`));
    } else {
        replaceChildren(box, el('details', { class: 'wallet-menu' },
            el('summary', { class: 'button small', text: 'Connect wallet' }),
            el('ul', {}, list.map((w) => el('li', {}, connectButton(w, w.name))))));
    }
}

export function mountWallet(box = document.getElementById('wallet')) {
    render(box);
    onWalletChange(() => render(box));
}
