// Numbers, amounts and times as people read them.

export const LAMPORTS_PER_SOL = 1000000000n;

export function shortAddress(address) {
    return typeof address === 'string' && address.length > 12
        ? `${address.slice(0, 4)}…${address.slice(-4)}`
        : String(address ?? '');
}

const usdFormat = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: 2, maximumFractionDigits: 2,
});

// Server prices are numbers or decimal strings; null means "not known".
export function formatUsd(value) {
    if (value === null || value === undefined || value === '') {
        return 'n/a';
    }
    const n = Number(value);
    return Number.isFinite(n) ? usdFormat.format(n) : 'n/a';
}

// Lamports (integer) as SOL with no float rounding: 1250000000 -> "1.25".
export function formatSol(lamports) {
    const l = BigInt(lamports);
    const whole = l / LAMPORTS_PER_SOL;
    const frac = (l % LAMPORTS_PER_SOL).toString().padStart(9, '0').replace(/0+$/, '');
    return frac ? `${whole}.${frac}` : `${whole}`;
}

// "1.25" SOL -> 1250000000n lamports, exactly; throws with a sentence.
export function parseSol(text) {
    const t = String(text).trim();
    const m = /^(\d{1,10})(?:[.,](\d{0,9}))?$/.exec(t) || /^()[.,](\d{1,9})$/.exec(t);
    if (!m) {
        throw new Error('Enter a price in SOL, such as 1.5 (at most 9 decimals).');
    }
    const lamports = BigInt(m[1] || '0') * LAMPORTS_PER_SOL + BigInt((m[2] || '').padEnd(9, '0'));
    if (lamports <= 0n) {
        throw new Error('The price must be more than 0 SOL.');
    }
    // sent as a JSON number: it must survive as an exact integer
    if (lamports > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new Error(`The price can be at most ${formatSol(Number.MAX_SAFE_INTEGER)} SOL.`);
    }
    return lamports;
}

// An ISO 8601 instant in the reader's own time zone.
export function localTime(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) {
        return String(iso ?? '');
    }
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// The same, as its date and its time of day ("Dec 4, 2026", "10:28 AM").
export function localDateAndTime(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) {
        return [String(iso ?? '')];
    }
    return [d.toLocaleDateString(undefined, { dateStyle: 'medium' }),
            d.toLocaleTimeString(undefined, { timeStyle: 'short' })];
}

export function formatBytes(n) {
    if (n < 1024) {
        return `${n} B`;
    }
    if (n < 1024 * 1024) {
        return `${(n / 1024).toFixed(0)} KB`;
    }
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
