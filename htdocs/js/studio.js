// The studio page (/): photo -> upload -> quantum GIF -> mint.

import { getJSON, studio } from './api.js';
import { $, el, link, markReady, notice, pageUrl, replaceChildren, setStatus } from './dom.js';
import { isAddress } from './encoding.js';
import { formatBytes, shortAddress } from './format.js';
import { mintByServer, mintByWallet } from './mint.js';
import { keepPricesFresh } from './prices.js';
import { pickFiles, uploadFile } from './upload.js';
import { availableWallets, connect, connected, onWalletChange } from './wallet.js';
import { mountWallet } from './wallet-ui.js';

const DESCRIPTION_MAX = 500;

const ui = {
    drop: $('#drop'), file: $('#file'), maxSize: $('#max-size'),
    progress: $('#upload-progress'), photoStatus: $('#photo-status'), photo: $('#photo-preview'),
    gifStep: $('#step-gif'), styles: $('#styles'), makeGif: $('#make-gif'),
    gifStatus: $('#gif-status'), gifFigure: $('#gif-figure'), gif: $('#gif'), gifInfo: $('#gif-info'),
    mintStep: $('#step-mint'), form: $('#mint-form'), description: $('#description'),
    count: $('#description-count'), signWallet: $('#sign-wallet'), signServer: $('#sign-server'),
    signHint: $('#sign-hint'), owner: $('#owner'), ownerHint: $('#owner-hint'), mint: $('#mint'),
    mintStatus: $('#mint-status'),
    result: $('#result'),
};

const state = { settings: null, image: null, gif: null, busy: false, ownerFromWallet: false };

// --- 1. photo -------------------------------------------------------------------

async function onFile(file) {
    if (state.busy) {
        return;
    }
    const max = state.settings && state.settings.upload_max_bytes;
    state.image = null;
    state.gif = null;
    ui.photo.hidden = true;
    ui.gifFigure.hidden = true;
    ui.result.hidden = true;
    setStatus(ui.gifStatus, 'idle', '');
    setStatus(ui.mintStatus, 'idle', '');
    ui.gifStep.dataset.state = 'locked';
    ui.mintStep.dataset.state = 'locked';
    refresh();
    if (max && file.size > max) {
        ui.progress.hidden = true;
        setStatus(ui.photoStatus, 'error', `${file.name} is too large: photos can be at most `
                  + `${formatBytes(max)} (this one is ${file.size.toLocaleString('en-US')} bytes).`);
        return;
    }
    state.busy = true;
    ui.progress.value = 0;
    ui.progress.hidden = false;
    setStatus(ui.photoStatus, 'busy', `Uploading ${file.name} (${formatBytes(file.size)}) …`);
    try {
        // the bar carries the percentage; the status line (read out by
        // screen readers) is not rewritten at every step
        const body = await uploadFile(file, (sent, total) => {
            ui.progress.value = Math.floor((sent / total) * 100);
        });
        ui.progress.value = 100;
        state.image = body;
        ui.photo.src = pageUrl(body.image_url);
        ui.photo.hidden = false;
        setStatus(ui.photoStatus, 'done',
                  `Uploaded ${file.name}: ${body.width}×${body.height}, ${formatBytes(body.bytes)}.`);
        ui.gifStep.dataset.state = 'ready';
    } catch (e) {
        ui.progress.hidden = true;
        setStatus(ui.photoStatus, 'error', e.message);
    } finally {
        state.busy = false;
        refresh();
    }
}

// --- 2. GIF -----------------------------------------------------------------------

function renderStyles(settings) {
    const chosen = settings.default_style || settings.styles[0];
    replaceChildren(ui.styles, settings.styles.map((name) => el('label', { class: 'choice' },
        el('input', { type: 'radio', name: 'style', value: name, checked: name === chosen }),
        name.replace(/_/g, ' '))));
}

function chosenStyle() {
    const input = ui.styles.querySelector('input[name="style"]:checked');
    return input ? input.value : undefined;
}

function imageLoaded(img) {
    return img.complete && img.naturalWidth ? Promise.resolve() : new Promise((resolve, reject) => {
        img.addEventListener('load', resolve, { once: true });
        img.addEventListener('error', () => reject(new Error('The GIF did not load.')), { once: true });
    });
}

async function makeGif() {
    const style = chosenStyle();
    state.busy = true;
    state.gif = null;
    ui.result.hidden = true;
    refresh();
    setStatus(ui.gifStatus, 'busy', `Rendering the ${style.replace(/_/g, ' ')} GIF …`);
    try {
        const q = new URLSearchParams({ style });
        const body = await getJSON(`/generate_gif/${encodeURIComponent(state.image.file_id)}?${q}`);
        ui.gif.src = pageUrl(body.gif_url);
        ui.gifFigure.hidden = false;
        await imageLoaded(ui.gif);
        state.gif = body;
        ui.gifInfo.textContent = `${body.frames} frames, ${body.width}×${body.height}, `
            + `${formatBytes(body.bytes)}${body.reused ? ' (made before, reused)' : ''}`;
        setStatus(ui.gifStatus, 'done', body.message || 'The GIF is ready.');
        ui.mintStep.dataset.state = 'ready';
    } catch (e) {
        ui.gifFigure.hidden = true;
        setStatus(ui.gifStatus, 'error', e.message);
    } finally {
        state.busy = false;
        refresh();
    }
}

// --- 3. mint ----------------------------------------------------------------------

function signChoice() {
    return ui.signWallet.checked ? 'wallet' : ui.signServer.checked ? 'server' : null;
}

// Who can sign here: the studio (if the admin enabled it) and any wallet.
function refreshSigning() {
    const s = state.settings;
    const haveWallet = availableWallets().length > 0;
    ui.signWallet.disabled = !(s && s.wallet_signing && haveWallet);
    ui.signServer.disabled = !(s && s.server_signing);
    if (signChoice() === null || (signChoice() === 'wallet' ? ui.signWallet : ui.signServer).disabled) {
        ui.signWallet.checked = !ui.signWallet.disabled;
        ui.signServer.checked = ui.signWallet.disabled && !ui.signServer.disabled;
    }
    const hints = [];
    if (!haveWallet) {
        hints.push('No Solana wallet found in this browser.');
    }
    if (s && !s.server_signing) {
        hints.push('Studio signing is turned off on this server.');
    }
    ui.signHint.textContent = hints.join(' ');
}

// With a wallet the owner is the wallet (it pays); with the studio any
// address, the connected wallet's to begin with.
function syncOwner() {
    const account = connected() && connected().account;
    if (signChoice() === 'wallet') {
        ui.owner.readOnly = true;
        ui.owner.value = account ? account.address : '';
        ui.owner.placeholder = 'Filled in when your wallet connects';
        state.ownerFromWallet = true;
    } else {
        ui.owner.readOnly = false;
        ui.owner.placeholder = 'The address that receives the NFT';
        if (state.ownerFromWallet && !account) {
            ui.owner.value = '';
        } else if (account && !ui.owner.value) {
            ui.owner.value = account.address;
        }
        state.ownerFromWallet = false;
    }
}

function refresh() {
    const before = signChoice();
    refreshSigning();
    const sign = signChoice();
    if (sign !== before) {
        syncOwner();
    }
    ui.makeGif.disabled = state.busy || !state.image || !chosenStyle();
    const owner = ui.owner.value.trim();
    const badOwner = sign === 'server' && owner !== '' && !isAddress(owner);
    ui.owner.setAttribute('aria-invalid', String(badOwner));
    ui.ownerHint.textContent = badOwner
        ? 'This is not a Solana address: base58, 32 to 44 characters, decoding to 32 bytes.'
        : sign === 'server' && owner === '' ? 'Type the address that receives the NFT.' : '';
    ui.mint.disabled = state.busy || !state.gif || !sign
        || (sign === 'server' && !isAddress(owner));
    ui.count.textContent = `${ui.description.value.length} / ${DESCRIPTION_MAX}`;
}

async function walletAccount() {
    if (connected()) {
        return connected().account;
    }
    const list = availableWallets();
    if (list.length !== 1) {
        throw new Error('Choose a wallet with “Connect wallet” at the top of the page first.');
    }
    return (await connect(list[0])).account;
}

function showResult(body) {
    $('#result-name').textContent = body.name;
    $('#result-mint').textContent = body.mint;
    replaceChildren($('#result-tx'), el('span', { class: 'mono', title: body.transaction_id,
                                                  text: shortAddress(body.transaction_id) }),
                    ' ', link(body.explorer_url, 'View on Solana Explorer'));
    replaceChildren($('#result-meta'), link(body.metadata_uri, 'Metadata JSON'));
    ui.result.hidden = false;
}

async function onMint(event) {
    event.preventDefault();
    if (ui.mint.disabled) {
        return;
    }
    const sign = signChoice();
    state.busy = true;
    ui.result.hidden = true;
    refresh();
    const step = (text) => setStatus(ui.mintStatus, 'busy', text);
    try {
        const fields = {
            image_id: state.image.file_id,
            gif_id: state.gif.gif_id,
            mint_type: new FormData(ui.form).get('mint_type'),
            owner: ui.owner.value.trim(),
        };
        const description = ui.description.value.trim();
        if (description) {
            fields.user_description = description;
        }
        let body;
        if (sign === 'wallet') {
            step('Connecting to your wallet …');
            fields.owner = (await walletAccount()).address;
            body = await mintByWallet(fields, state.settings.cluster, step);
        } else {
            body = await mintByServer(fields, step);
        }
        showResult(body);
        setStatus(ui.mintStatus, 'done', `${body.name} is minted.`);
    } catch (e) {
        setStatus(ui.mintStatus, 'error', e.message || 'The mint failed.');
    } finally {
        state.busy = false;
        refresh();
    }
}

// --- start ------------------------------------------------------------------------

async function start() {
    mountWallet();
    pickFiles(ui.drop, ui.file, onFile);
    ui.makeGif.addEventListener('click', makeGif);
    ui.styles.addEventListener('change', refresh);
    ui.form.addEventListener('submit', onMint);
    ui.form.addEventListener('change', (e) => {
        if (e.target.name === 'sign') {
            syncOwner();
        }
        refresh();
    });
    ui.form.addEventListener('input', refresh);
    onWalletChange(() => {
        syncOwner();
        refresh();
    });
    const prices = keepPricesFresh($('#prices'));
    try {
        state.settings = await studio();
        renderStyles(state.settings);
        ui.maxSize.textContent = formatBytes(state.settings.upload_max_bytes);
    } catch (e) {
        notice(`The studio's settings could not be loaded: ${e.message}`);
    }
    refresh();
    await prices;
    markReady();
}

start();
