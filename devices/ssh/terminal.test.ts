import { describe, expect, it } from 'vitest';
import { cleanTerminalOutput, removePagerPrompts } from './terminal.ts';

describe('terminal output cleaning', () => {
  it.each([
    ['colour codes', '\x1b[1;32mcore-sw1#\x1b[0m show vlan', 'core-sw1# show vlan'],
    ['CRLF and the PTY doubled CR', 'a\r\r\nb\r\n', 'a\nb\n'],
    [
      'Cisco pager rubbed out with backspaces',
      ' --More-- \b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b!\r\n',
      '!\n',
    ],
    [
      'pager rubbed out with CR and spaces',
      '\x1b[1m --More-- \x1b[0m\r          \rinterface Gi1/0/2\r\n',
      'interface Gi1/0/2\n',
    ],
    [
      'erase line (ESC[2K) then redraw',
      '-- MORE --, next page: Space\x1b[2K\rhostname "x"\n',
      'hostname "x"\n',
    ],
    ['erase to end of line (ESC[K)', 'abcdef\r\x1b[Kxy\n', 'xy\n'],
    ['backspace-corrected typing', 'shw\b\bhow run\n', 'show run\n'],
    ['OSC title and charset switch', '\x1b]0;core-sw1\x07\x1b(Bok\n', 'ok\n'],
    ['cursor positioning is dropped, text kept', '\x1b[24;1Hline\n', 'line\n'],
  ])('%s', (_name, raw, clean) => {
    expect(cleanTerminalOutput(raw)).toBe(clean);
  });

  it('removes pager prompts the device left in the text', () => {
    expect(removePagerPrompts('line 1\n --More-- \nline 2\n--More-- line 3')).toBe('line 1\nline 2\nline 3');
    expect(removePagerPrompts('Press any key to continue\nbanner')).toBe('banner');
    expect(removePagerPrompts(' description More--than--this')).toBe(' description More--than--this');
  });
});
