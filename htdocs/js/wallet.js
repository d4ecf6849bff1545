// The app side of the Wallet Standard, the protocol Solana wallets
// (Phantom, Solflare, Backpack, ...) use to announce themselves to a page:
// the page dispatches 'wallet-standard:app-ready' with {register}; a wallet
// that loads later dispatches 'wallet-standard:register-wallet' with a
// callback that we call with the same {register}. Both orders meet.
// Features used: standard:connect, standard:disconnect, standard:events,
// solana:signTransaction (mints) and solana:signMessage (listings).

const wallets = new Set();
const listeners = new Set();
let current = null;             // { wallet, account } once connected
let stopEvents = null;

function usable(wallet) {
    return wallet && typeof wallet === 'object' && typeof wallet.name === 'string'
        && Array.isArray(wallet.chains) && wallet.chains.some((c) => c.startsWith('solana:'))
        && wallet.features && wallet.features['standard:connect'];
}

function emit() {
    for (const fn of listeners) {
        fn();
    }
}

function register(...list) {
    const added = list.filter((w) => usable(w) && !wallets.has(w));
    added.forEach((w) => wallets.add(w));
    if (added.length) {
        emit();
    }
    return function unregister() {
        added.forEach((w) => wallets.delete(w));
        if (current && added.includes(current.wallet)) {
            forget();
        }
        emit();
    };
}

const api = Object.freeze({ register });

window.addEventListener('wallet-standard:register-wallet', (event) => {
    if (typeof event.detail === 'function') {
        try {
            event.detail(api);
        } catch {
            // a broken wallet must not break the page
        }
    }
});
window.dispatchEvent(new CustomEvent('wallet-standard:app-ready', { detail: api }));

export function availableWallets() {
    return [...wallets];
}

export function connected() {
    return current;
}

export function onWalletChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
}

// The Solana chain id a wallet understands for the server's cluster.
export function chainFor(cluster) {
    const known = { 'mainnet-beta': 'mainnet', mainnet: 'mainnet', devnet: 'devnet',
                    testnet: 'testnet', local: 'localnet', localnet: 'localnet' };
    return `solana:${known[cluster] || cluster}`;
}

function solanaAccount(accounts) {
    return (accounts || []).find((a) => a && typeof a.address === 'string'
        && (!Array.isArray(a.chains) || a.chains.some((c) => c.startsWith('solana:'))));
}

function forget() {
    if (stopEvents) {
        stopEvents();
        stopEvents = null;
    }
    current = null;
}

export async function connect(wallet) {
    const { accounts } = await wallet.features['standard:connect'].connect();
    const account = solanaAccount(accounts) || solanaAccount(wallet.accounts);
    if (!account) {
        throw new Error(`${wallet.name} did not share a Solana account.`);
    }
    forget();
    current = { wallet, account };
    // the user switches or removes the account inside the wallet
    const events = wallet.features['standard:events'];
    if (events) {
        stopEvents = events.on('change', ({ accounts: changed }) => {
            if (!changed || !current || current.wallet !== wallet) {
                return;
            }
            const next = solanaAccount(changed);
            if (next) {
                current = { wallet, account: next };
            } else {
                forget();
            }
            emit();
        });
    }
    emit();
    return current;
}

export async function disconnect() {
    const wallet = current && current.wallet;
    forget();
    emit();
    if (wallet && wallet.features['standard:disconnect']) {
        await wallet.features['standard:disconnect'].disconnect();
    }
}

function need(feature) {
    if (!current) {
        throw new Error('Connect a wallet first.');
    }
    const f = current.wallet.features[feature];
    if (!f) {
        throw new Error(`${current.wallet.name} cannot do ${feature}.`);
    }
    return f;
}

// Throws, in words, unless the connected wallet can sign transactions for
// chain (a wallet for another cluster would sign something that never lands).
export function canSignTransactions(chain) {
    need('solana:signTransaction');
    const { wallet, account } = current;
    const chains = Array.isArray(account.chains) && account.chains.length ? account.chains
        : wallet.chains;
    // localnet: wallets seldom list it, and signing needs no network
    if (chain !== 'solana:localnet' && !chains.includes(chain)) {
        throw new Error(`${wallet.name} does not offer ${chain.slice(7)}, the network this studio `
                        + 'mints on; switch networks in the wallet.');
    }
}

// Signs without sending: the server checks the transaction is the one it
// prepared, then relays it.
export async function signTransaction(bytes, chain) {
    const feature = need('solana:signTransaction');
    const [out] = await feature.signTransaction({ account: current.account, transaction: bytes, chain });
    if (!out || !(out.signedTransaction instanceof Uint8Array)) {
        throw new Error('The wallet returned no signed transaction.');
    }
    return out.signedTransaction;
}

// Ed25519 signature over exactly these bytes (a wallet that alters the
// message before signing would sign something the server never checks).
export async function signMessage(bytes) {
    const feature = need('solana:signMessage');
    const [out] = await feature.signMessage({ account: current.account, message: bytes });
    if (!out || !(out.signature instanceof Uint8Array) || out.signature.length !== 64) {
        throw new Error('The wallet returned no signature.');
    }
    const signed = out.signedMessage;
    if (signed && (signed.length !== bytes.length || signed.some((b, i) => b !== bytes[i]))) {
        throw new Error('The wallet changed the message before signing it.');
    }
    return out.signature;
}
