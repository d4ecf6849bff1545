// Base58 (Solana addresses and signatures) and base64 (transactions).

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

export function base58Encode(bytes) {
    const digits = [];                      // base 58, least significant first
    for (const byte of bytes) {
        let carry = byte;
        for (let i = 0; i < digits.length; i++) {
            carry += digits[i] << 8;
            digits[i] = carry % 58;
            carry = (carry / 58) | 0;
        }
        while (carry) {
            digits.push(carry % 58);
            carry = (carry / 58) | 0;
        }
    }
    let out = '';
    for (let i = 0; i < bytes.length && bytes[i] === 0; i++) {
        out += '1';
    }
    for (let i = digits.length - 1; i >= 0; i--) {
        out += ALPHABET[digits[i]];
    }
    return out;
}

export function base58Decode(text) {
    const bytes = [];                       // base 256, least significant first
    for (const c of text) {
        let carry = INDEX.get(c);
        if (carry === undefined) {
            throw new Error(`not base58: ${c}`);
        }
        for (let i = 0; i < bytes.length; i++) {
            carry += bytes[i] * 58;
            bytes[i] = carry & 0xff;
            carry >>= 8;
        }
        while (carry) {
            bytes.push(carry & 0xff);
            carry >>= 8;
        }
    }
    for (let i = 0; i < text.length && text[i] === '1'; i++) {
        bytes.push(0);
    }
    return Uint8Array.from(bytes.reverse());
}

// A Solana address: base58 of exactly 32 bytes.
export function isAddress(text) {
    if (!/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(text)) {
        return false;
    }
    return base58Decode(text).length === 32;
}

export function base64Encode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
        s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
}

export function base64Decode(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
