/**
 * Terminal and plain-text output: control characters (C0, DEL, C1) become `?`, so a hostile SSID or
 * account name cannot move the cursor or rewrite the screen. HTML has its own escape (reports/escape.ts).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function printable(s: string): string {
  return s.replace(CONTROL, '?');
}
