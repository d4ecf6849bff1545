// The marketplace page (/marketplace): filters, cards, "load more" along
// the Link header, and listing/delisting by the connected owner.

import { getJSON, nextLink, request } from './api.js';
import { $, el, link, markReady, pageUrl, safeUrl, setStatus } from './dom.js';
import { formatSol, formatUsd, localDateAndTime, localTime, parseSol, shortAddress } from './format.js';
import { delistNft, listNft } from './listing.js';
import { connected, onWalletChange } from './wallet.js';
import { mountWallet } from './wallet-ui.js';

const PAGE_SIZE = 12;
const FILTERS = ['mint_type', 'sort', 'owner', 'listed'];
const MINT_TYPES = { long: 'Long', short: 'Short' };

const ui = {
    form: $('#filters'), type: $('#f-type'), sort: $('#f-sort'), owner: $('#f-owner'),
    mine: $('#f-mine'), listed: $('#f-listed'), status: $('#market-status'), grid: $('#grid'),
    more: $('#more'),
};

const state = { items: new Map(), next: null, loading: null };

// --- filters <-> the address bar -------------------------------------------------

function filtersFromForm() {
    return {
        mint_type: ui.type.value,
        sort: ui.sort.value,
        owner: ui.owner.value.trim(),
        listed: ui.listed.checked ? 'true' : '',
    };
}

function filtersToForm(q) {
    const pick = (select, value) => {
        select.value = [...select.options].some((o) => o.value === value) ? value : select.options[0].value;
    };
    pick(ui.type, q.get('mint_type') || '');
    pick(ui.sort, q.get('sort') || 'newest');
    ui.owner.value = q.get('owner') || '';
    ui.listed.checked = q.get('listed') === 'true';
}

function query(filters) {
    const q = new URLSearchParams();
    for (const name of FILTERS) {
        if (filters[name] && !(name === 'sort' && filters[name] === 'newest')) {
            q.set(name, filters[name]);
        }
    }
    return q;
}

// --- cards -------------------------------------------------------------------------

function row(term, value, field) {
    return [el('dt', { text: term }), el('dd', { dataset: { field } }, value)];
}

// note: what the owner's last action did, shown in the new card
function card(item, note) {
    const type = MINT_TYPES[item.mint_type];
    const listed = item.price_lamports !== undefined && item.price_lamports !== null;
    return el('li', { class: 'card', dataset: { mint: item.id } },
        el('a', { class: 'thumb', href: safeUrl(item.original_image_url), title: 'The original photo',
                  'aria-label': `${item.name}: the original photo` },
            el('img', { src: pageUrl(item.gif_url), alt: `${item.name}: the quantum GIF`,
                        loading: 'lazy', width: 300, height: 300 })),
        el('div', { class: 'card-body' },
            el('div', { class: 'card-title' },
                el('h3', { text: item.name }),
                el('span', {
                    class: `badge ${type ? item.mint_type : ''}`, dataset: { field: 'mint_type' },
                    text: type || item.mint_type,
                    title: item.mint_type === 'long' ? 'Predicting price increase' : 'Predicting price decrease',
                })),
            item.description && el('p', { class: 'description', dataset: { field: 'description' },
                                          text: item.description }),
            el('dl', {},
                row('Minted', el('time', { datetime: item.mint_timestamp_iso,
                                           title: localTime(item.mint_timestamp_iso) },
                                 localDateAndTime(item.mint_timestamp_iso)
                                     .flatMap((part, i) => [i ? ' ' : '', el('span', { text: part })])),
                    'time'),
                row('BTC at mint', formatUsd(item.btc_price_at_mint), 'btc'),
                row('SOL at mint', formatUsd(item.sol_price_at_mint), 'sol'),
                row('Owner', el('span', { class: 'mono', title: item.owner,
                                          text: shortAddress(item.owner) }), 'owner'),
                row('Mint', el('span', { class: 'mono', title: item.id,
                                         text: shortAddress(item.id) }), 'mint'),
                listed && row('Price', el('span', { class: 'price',
                                                    text: `${formatSol(item.price_lamports)} SOL` }), 'price')),
            el('p', { class: 'links' },
                link(item.original_image_url, 'Original photo'),
                link(item.metadata_uri, 'Metadata')),
            ownerActions(item, note)));
}

// A new card in place of the old; with focus, the focus goes to the new
// card's actions.
function redraw(mint, note, focus) {
    const old = ui.grid.querySelector(`li[data-mint="${CSS.escape(mint)}"]`);
    if (!old) {
        return;
    }
    const fresh = card(state.items.get(mint), note);
    old.replaceWith(fresh);
    if (focus) {
        const target = fresh.querySelector('.owner-actions input, .owner-actions button')
            || fresh.querySelector('a');
        target.focus();
    }
}

// --- list / delist by the owner -------------------------------------------------

function ownerActions(item, note) {
    const me = connected() && connected().account.address;
    if (!me || me !== item.owner) {
        return null;
    }
    const status = el('p', { class: 'status', role: 'status' });
    const box = el('div', { class: 'owner-actions' });
    if (note) {
        setStatus(status, 'done', note);
    }
    const run = async (button, what, action, done) => {
        // a disabled button loses the focus: remember it was here
        const focus = box.contains(document.activeElement);
        button.disabled = true;
        setStatus(status, 'busy', `${what}: approve in your wallet …`);
        try {
            await action();
        } catch (e) {
            setStatus(status, 'error', e.message);
            button.disabled = false;
            if (focus) {
                button.focus();
            }
            return;
        }
        try {
            state.items.set(item.id, await getJSON(`/marketplace/nfts/${encodeURIComponent(item.id)}`));
            redraw(item.id, done, focus);
        } catch {
            // done on the server; only this card is behind
            setStatus(status, 'done', `${done} Reload the page to see the card up to date.`);
        }
    };
    if (item.listing_id !== undefined && item.listing_id !== null) {
        const button = el('button', { type: 'button', class: 'small secondary', text: 'Delist' });
        button.addEventListener('click', () => run(button, 'Delisting',
                                                   () => delistNft(item.id, item.listing_id),
                                                   'Delisted: no longer for sale.'));
        box.append(button);
    } else {
        const price = el('input', { name: 'price', inputmode: 'decimal', autocomplete: 'off',
                                    placeholder: 'Price in SOL', 'aria-label': `Price of ${item.name} in SOL` });
        const button = el('button', { type: 'submit', class: 'small', text: 'List' });
        const form = el('form', {}, price, button);
        form.addEventListener('submit', (e) => {
            e.preventDefault();
            let lamports;
            try {
                lamports = parseSol(price.value);
            } catch (err) {
                setStatus(status, 'error', err.message);
                return;
            }
            run(button, 'Listing', () => listNft(item.id, lamports),
                `Listed for ${formatSol(lamports)} SOL.`);
        });
        box.append(form);
    }
    box.append(status);
    return box;
}

// --- loading -----------------------------------------------------------------------

function describe() {
    const n = state.items.size;
    if (n === 0) {
        return 'No NFTs match these filters.';
    }
    const more = state.next ? ' (more below)' : '';
    const priceNote = ui.sort.value.startsWith('price') ? ' Price order shows listed NFTs only.' : '';
    return `Showing ${n} NFT${n === 1 ? '' : 's'}${more}.${priceNote}`;
}

async function load(url, reset) {
    if (state.loading) {
        state.loading.abort();
    }
    const controller = new AbortController();
    state.loading = controller;
    ui.more.disabled = true;
    setStatus(ui.status, 'busy', reset ? 'Loading …' : 'Loading more …');
    try {
        const { body, headers } = await request('GET', url, undefined, { signal: controller.signal });
        if (reset) {
            state.items.clear();
            ui.grid.replaceChildren();
        }
        for (const item of body) {
            if (!state.items.has(item.id)) {
                state.items.set(item.id, item);
                ui.grid.append(card(item));
            }
        }
        state.next = nextLink(headers.get('Link'));
        ui.more.hidden = !state.next;
        setStatus(ui.status, state.items.size ? 'done' : 'idle', describe());
    } catch (e) {
        if (e.name === 'AbortError') {
            return;
        }
        if (reset) {
            state.items.clear();
            ui.grid.replaceChildren();
            state.next = null;
            ui.more.hidden = true;
        }
        setStatus(ui.status, 'error', e.message);
    } finally {
        if (state.loading === controller) {
            state.loading = null;
            ui.more.disabled = false;
        }
    }
}

function applyFilters() {
    const q = query(filtersFromForm());
    history.replaceState(null, '', q.toString() ? `?${q}` : location.pathname);
    q.set('limit', String(PAGE_SIZE));
    return load(`/marketplace/nfts?${q}`, true);
}

function walletChanged() {
    const me = connected() && connected().account.address;
    ui.mine.hidden = !me;
    for (const mint of state.items.keys()) {
        redraw(mint);
    }
}

async function start() {
    mountWallet();
    filtersToForm(new URLSearchParams(location.search));
    ui.form.addEventListener('change', applyFilters);
    ui.form.addEventListener('submit', (e) => {
        e.preventDefault();
        applyFilters();
    });
    ui.mine.addEventListener('click', () => {
        ui.owner.value = connected().account.address;
        applyFilters();
    });
    ui.more.addEventListener('click', () => load(state.next, false));
    onWalletChange(walletChanged);
    walletChanged();
    await applyFilters();
    markReady();
}

start();
