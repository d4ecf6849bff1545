// The chart page (/chart): SOL/USDC from GET /chart/price_data on a real
// time axis (Chart.js with the date-fns adapter, loaded as classic scripts
// before this module), and every mint in the range as a marker at (time,
// SOL price at mint): long = green triangle, short = red diamond.

import { getJSON } from './api.js';
import { $, el, markReady, notice, replaceChildren, setStatus } from './dom.js';
import { formatUsd, localTime } from './format.js';
import { showPrices } from './prices.js';
import { mountWallet } from './wallet-ui.js';

const RANGES = { 24: 'Last 24 hours', 72: 'Last 72 hours', 168: 'Last 7 days', 720: 'Last 30 days' };

const ui = {
    range: $('#range'), title: $('#chart-title'), stale: $('#stale'), canvas: $('#chart'),
    status: $('#chart-status'), prices: $('#prices'), mintList: $('#mint-list'),
    mintItems: $('#mint-items'),
};

let chart = null;
let loading = null;

function colour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// A mint recorded without a SOL price sits on the line at its time.
function priceAt(history, t) {
    let best = null;
    for (const [x, y] of history) {
        if (best === null || Math.abs(x - t) < Math.abs(best[0] - t)) {
            best = [x, y];
        }
    }
    return best ? best[1] : null;
}

function markers(data, type) {
    return data.nft_events
        .filter((e) => e.type === type)
        .map((e) => ({
            x: e.timestamp,
            y: e.sol_price_at_mint ?? priceAt(data.price_history, e.timestamp),
            name: e.nft_name,
            id: e.id,
            type: e.type,
            priced: e.sol_price_at_mint !== null && e.sol_price_at_mint !== undefined,
        }))
        .filter((p) => p.y !== null);
}

function datasets(data) {
    const marker = (label, type, style, color) => ({
        type: 'scatter', label, data: markers(data, type), pointStyle: style,
        pointRadius: 8, pointHoverRadius: 11, backgroundColor: color, borderColor: colour('--text'),
        borderWidth: 1, order: 0,
    });
    return [
        {
            type: 'line', label: data.pair || 'SOL/USDC',
            data: data.price_history.map(([x, y]) => ({ x, y })),
            borderColor: colour('--line'), borderWidth: 2, pointRadius: 0, pointHitRadius: 4,
            tension: 0.15, order: 1,
        },
        marker('Long mints', 'long', 'triangle', colour('--long')),
        marker('Short mints', 'short', 'rectRot', colour('--short')),
    ];
}

function tooltipLabel(ctx) {
    const p = ctx.raw;
    if (p && p.name) {
        const side = p.type === 'long' ? 'long, predicting price increase'
                                       : 'short, predicting price decrease';
        const price = p.priced ? `SOL ${formatUsd(p.y)} at mint` : 'SOL price at mint not recorded';
        return [`${p.name} (${side})`, price];
    }
    return `${ctx.dataset.label}: ${formatUsd(ctx.parsed.y)}`;
}

// Hovering a marker names its NFT even where the line runs through it,
// the one nearest the pointer first where markers overlap; anywhere else
// the tooltip gives the nearest price.
function markersFirst(Chart) {
    const modes = Chart.Interaction.modes;
    modes.qnftMarkersFirst ??= (chart, e, options, useFinal) => {
        const at = Chart.helpers.getRelativePosition(e, chart);
        const away = (item) => Math.hypot(item.element.x - at.x, item.element.y - at.y);
        const onMarker = modes.point(chart, e, { ...options, intersect: true }, useFinal)
            .filter((item) => chart.data.datasets[item.datasetIndex].type === 'scatter')
            .sort((a, b) => away(a) - away(b));
        return onMarker.length ? onMarker
            : modes.nearest(chart, e, { ...options, intersect: false, axis: 'x' }, useFinal);
    };
}

function draw(data, hours) {
    const Chart = window.Chart;
    markersFirst(Chart);
    const config = {
        type: 'line',
        data: { datasets: datasets(data) },
        options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            parsing: false,
            interaction: { mode: 'qnftMarkersFirst', intersect: false },
            scales: {
                x: {
                    type: 'time',
                    time: { unit: hours <= 72 ? 'hour' : 'day', tooltipFormat: 'PPpp' },
                    ticks: { color: colour('--muted'), maxRotation: 0, autoSkipPadding: 16 },
                    grid: { color: colour('--grid') },
                },
                y: {
                    grace: '4%',            // room for the markers at the extremes
                    title: { display: true, text: 'USDC per SOL', color: colour('--muted') },
                    ticks: { color: colour('--muted') },
                    grid: { color: colour('--grid') },
                },
            },
            plugins: {
                legend: { display: false },
                tooltip: { callbacks: { label: tooltipLabel } },
            },
        },
    };
    if (chart) {
        chart.data = config.data;
        chart.options = config.options;
        chart.update();
    } else {
        chart = new Chart(ui.canvas, config);
    }
}

// The markers in words: the canvas is a picture, and markers of mints
// made minutes apart lie on top of each other.
function listMints(data) {
    const events = [...data.nft_events].sort((a, b) => a.timestamp - b.timestamp);
    replaceChildren(ui.mintItems, events.map((e) => el('li', { dataset: { mint: e.id } },
        el('b', { text: e.nft_name }),
        `: ${e.type === 'long' ? 'long (predicting price increase)' : 'short (predicting price decrease)'}`
        + `, ${localTime(new Date(e.timestamp).toISOString())}, SOL ${formatUsd(e.sol_price_at_mint)} at mint`)));
    ui.mintList.hidden = events.length === 0;
}

function showStale(data) {
    ui.stale.hidden = !data.stale;
    ui.stale.textContent = data.stale
        ? `These prices may be out of date: ${data.source || 'the price source'} could not be reached`
          + `${data.source_error ? ` (${data.source_error})` : ''}; showing the last data kept.`
        : '';
}

async function load(hours) {
    for (const b of ui.range.querySelectorAll('button')) {
        b.setAttribute('aria-pressed', String(Number(b.dataset.hours) === hours));
    }
    ui.title.textContent = RANGES[hours];
    setStatus(ui.status, 'busy', 'Loading prices …');
    const mine = (loading = {});
    try {
        const data = await getJSON(`/chart/price_data?time_range_hours=${hours}`);
        if (loading !== mine) {
            return;             // a newer range was chosen meanwhile
        }
        draw(data, hours);
        listMints(data);
        showStale(data);
        showPrices(ui.prices, data);
        const n = data.nft_events.length;
        setStatus(ui.status, 'done', `${data.price_history.length} prices from ${data.source}`
                  + `, ${n} mint${n === 1 ? '' : 's'} in this range.`);
    } catch (e) {
        if (loading === mine) {
            setStatus(ui.status, 'error', e.message);
        }
    }
}

// Chart.js ships a stub date adapter that throws until a real one
// (chartjs-adapter-date-fns) replaces it.
function hasDateAdapter(Chart) {
    try {
        return Boolean(new Chart._adapters._date({}).formats().hour);
    } catch {
        return false;
    }
}

async function start() {
    mountWallet();
    if (!window.Chart || !hasDateAdapter(window.Chart)) {
        notice('The chart library or its date adapter did not load.');
        return;
    }
    ui.range.addEventListener('click', (e) => {
        const button = e.target.closest('button[data-hours]');
        if (button) {
            load(Number(button.dataset.hours));
        }
    });
    await load(24);
    markReady();
}

start();
