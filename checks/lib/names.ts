/**
 * How two people's names are compared when no id joins them (the leavers matcher's last resort). An MIS
 * export and a directory spell the same name with different bytes: a typographic apostrophe for a
 * straight one (D’Arcy / D'Arcy), decomposed accents (NFD from a Mac) for composed ones, a non-breaking
 * space or a double space, an en dash for a hyphen, upper case. Those are the same name. Accents typed
 * in one system and not the other (Maëlle / Maelle) are compared with the marks removed as a second,
 * weaker key. Nothing else is fuzzy: a different letter is a different name.
 */

// Apostrophes and look-alikes: ' ’ ‘ ʼ ʹ ` ´ ′ ＇ (NFKC already maps the fullwidth one).
const APOSTROPHES = /[\u0027\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032\u201b]/g;
// Hyphens and dashes: - ‐ ‑ ‒ – — − ﹣
const HYPHENS = /[\u002d\u2010\u2011\u2012\u2013\u2014\u2212\ufe63]/g;
// Any run of white space, including no-break and zero-width spaces a spreadsheet leaves behind.
const SPACES = /[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+/g;
const ASCII = /^[\x20-\x7e]*$/;
// Combining marks (after NFD): the accents removed for the second key.
const MARKS = /\p{M}+/gu;

/**
 * The exact key: NFKC, full case folding (upper then lower, so ß = SS = ss), apostrophes, hyphens and
 * spaces each unified, trimmed. Marks are kept: Zoë and Zoe differ here.
 */
export function nameKey(s: string): string {
  // Printable ASCII (most names, and 50,000 accounts per check) needs no Unicode work.
  if (ASCII.test(s)) return s.toLowerCase().replace(/`/g, "'").replace(/\s+/g, ' ').trim();
  return s
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .replace(APOSTROPHES, "'")
    .replace(HYPHENS, '-')
    .replace(SPACES, ' ')
    .trim()
    .normalize('NFC');
}

/** The same key with diacritics removed: Maëlle = Maelle, Núñez = Nunez. */
export function bareNameKey(s: string): string {
  if (ASCII.test(s)) return nameKey(s);
  return nameKey(s).normalize('NFD').replace(MARKS, '').normalize('NFC');
}

/**
 * `bareNameKey` from the exact key already made: `bareKeyOf(nameKey(s)) === bareNameKey(s)` (the
 * leavers' filter tests 50,000 surnames, most of them plain ASCII, whose two keys are one).
 */
export function bareKeyOf(key: string): string {
  return ASCII.test(key) ? key : key.normalize('NFD').replace(MARKS, '').normalize('NFC');
}

/** Forename and surname as one key; never matches an empty name. */
export function personKey(given: string, surname: string, key: (s: string) => string = nameKey): string {
  const g = key(given);
  const s = key(surname);
  return g === '' && s === '' ? '' : `${g}\u0000${s}`;
}
