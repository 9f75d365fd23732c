/**
 * Turning what a switch's PTY sends into plain lines. Switch CLIs draw on a terminal: colour codes,
 * cursor moves, a `--More--` prompt that they then rub out with backspaces or `\r` + spaces. Stripping
 * escape codes alone would leave the pager's ghost in the text, so this replays the few terminal
 * actions that matter (carriage return, backspace, erase-line) on a line buffer, then drops the rest.
 */

/** Pager prompts from Cisco, HP/Aruba, Dell and Netgear CLIs. */
export const PAGER_PROMPT =
  /-+\s*\(?more\b[^\n\r]*?-+|press any key to continue|<--- more --->|\bmore: <space>/i;

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), and two-character ESC sequences (charset, keypad...).
const ESCAPE =
  // eslint-disable-next-line no-control-regex -- matching terminal control bytes is the point
  /\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>]/g;

/** Replays `\r`, backspace and erase-line (`ESC[K`), then drops other escapes and control bytes. */
export function cleanTerminalOutput(raw: string): string {
  const out: string[] = [];
  let line: string[] = [];
  let col = 0;
  const put = (ch: string) => {
    line[col] = ch;
    col++;
  };
  let i = 0;
  ESCAPE.lastIndex = 0;
  while (i < raw.length) {
    const ch = raw[i] as string;
    if (ch === '\x1b') {
      ESCAPE.lastIndex = i;
      const m = ESCAPE.exec(raw);
      if (m && m.index === i) {
        if (m[2] === 'K') {
          const mode = m[1] === '' ? '0' : m[1];
          if (mode === '0') line = line.slice(0, col);
          else if (mode === '2') line = [];
        }
        i += m[0].length;
        continue;
      }
      i++; // a lone ESC
      continue;
    }
    i++;
    if (ch === '\n') {
      out.push(finish(line));
      line = [];
      col = 0;
    } else if (ch === '\r') {
      col = 0;
    } else if (ch === '\b' || ch === '\x7f') {
      col = Math.max(0, col - 1);
    } else if (ch === '\t') {
      put(ch);
    } else if (ch >= ' ') {
      put(ch);
    } // other control bytes (BEL, NUL...) carry nothing
  }
  out.push(finish(line));
  return out.join('\n');
}

function finish(line: string[]): string {
  // Holes left by cursor moves are spaces; trailing spaces are what the pager's eraser leaves behind.
  return Array.from(line, (c) => c ?? ' ')
    .join('')
    .replace(/\s+$/, '');
}

/**
 * Removes a pager prompt the device did not rub out itself (it then sits at the start of the next
 * output line, followed by the space it asked for). A line that held nothing else goes away.
 */
export function removePagerPrompts(text: string): string {
  const prompt = new RegExp(`^[ \\t]*(?:${PAGER_PROMPT.source})[ \\t]?`, 'i');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!prompt.test(line)) {
      out.push(line);
      continue;
    }
    const rest = line.replace(prompt, '');
    if (rest.trim() !== '') out.push(rest);
  }
  return out.join('\n');
}
