/**
 * The one HTML (and XML: the JUnit renderer) escape every renderer uses. Every string that came from a device, a directory, a
 * declaration or the store goes through `esc` before it reaches markup, in text and in attributes alike
 * (quotes are escaped too, so the same call is safe inside `"..."`).
 */
const MAP: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

// Control characters (and the non-characters XML 1.0 forbids) have no business in a report; they are
// shown as U+FFFD rather than passed on.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g;

export function esc(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value)
    .replace(CONTROL, '\ufffd')
    .replace(/[&<>"'`]/g, (c) => MAP[c] ?? c);
}
