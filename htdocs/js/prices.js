// The current SOL/USDC and BTC/USDC strip. The figures are the server's
// (GET /chart/price_data carries sol_usdc and btc_usdc); when it has none
// the strip says so rather than showing a number from anywhere else.

import { getJSON } from './api.js';
import { formatUsd } from './format.js';

export function showPrices(box, data) {
    box.querySelector('[data-price="sol"]').textContent = formatUsd(data.sol_usdc);
    box.querySelector('[data-price="btc"]').textContent = formatUsd(data.btc_usdc);
    const note = box.querySelector('[data-price="note"]');
    note.textContent = data.stale
        ? `Last known prices (${data.source || 'the price source'} did not answer).`
        : `From ${data.source || 'the price source'}.`;
}

// The shortest range: only the current prices are wanted here.
export async function loadPrices(box) {
    try {
        const data = await getJSON('/chart/price_data?time_range_hours=1');
        showPrices(box, data);
        return data;
    } catch (e) {
        box.querySelector('[data-price="note"]').textContent = `Prices unavailable: ${e.message}`;
        return null;
    }
}

export function keepPricesFresh(box, everyMs = 60000) {
    const first = loadPrices(box);
    setInterval(() => {
        if (!document.hidden) {
            loadPrices(box);
        }
    }, everyMs);
    return first;
}
