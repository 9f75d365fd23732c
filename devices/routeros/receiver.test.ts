import { describe, expect, it } from 'vitest';
import { encodeSentence } from './protocol.ts';
import { SentenceReceiver, type ReceiverFailure } from './receiver.ts';

// The receiver is fed bytes directly here (no socket): these are the framing cases node-routeros's own
// Receiver gets wrong; the live behaviour against the test server is in test/routeros-client.test.ts.
function setup(): {
  receiver: SentenceReceiver;
  packets: Map<string, string[][]>;
  failures: ReceiverFailure[];
} {
  const failures: ReceiverFailure[] = [];
  const receiver = new SentenceReceiver((f) => failures.push(f));
  const packets = new Map<string, string[][]>();
  for (const tag of ['a', 'b']) {
    packets.set(tag, []);
    receiver.read(tag, (p) => packets.get(tag)?.push(p));
  }
  return { receiver, packets, failures };
}

describe('SentenceReceiver', () => {
  it('delivers whole sentences even when a read ends right after the .tag word', () => {
    const { receiver, packets } = setup();
    const bytes = Buffer.concat([
      encodeSentence(['!re', '.tag=a', '=name=ether1', '=type=ether']),
      encodeSentence(['!re', '.tag=b', '=name=bridge1']),
      encodeSentence(['!done', '.tag=a']),
    ]);
    const cut = bytes.indexOf('=name=ether1') - 1; // between `.tag=a` and the attributes
    for (const piece of [bytes.subarray(0, cut), bytes.subarray(cut, cut + 3), bytes.subarray(cut + 3)]) {
      receiver.processRawData(piece);
    }
    expect(packets.get('a')).toEqual([['!re', '=name=ether1', '=type=ether'], ['!done']]);
    expect(packets.get('b')).toEqual([['!re', '=name=bridge1']]);
  });

  it('decodes a length prefix split across two reads', () => {
    const { receiver, packets } = setup();
    const long = `=comment=${'x'.repeat(300)}`; // a two-byte prefix
    const bytes = encodeSentence(['!re', long, '.tag=a']);
    const at = bytes.indexOf(Buffer.from('=comment')) - 1; // inside the prefix
    receiver.processRawData(bytes.subarray(0, at));
    receiver.processRawData(bytes.subarray(at));
    expect(packets.get('a')).toEqual([['!re', long]]);
  });

  it('drops !empty: the command then ends with its !done and no rows', () => {
    const { receiver, packets, failures } = setup();
    receiver.processRawData(
      Buffer.concat([encodeSentence(['!empty', '.tag=a']), encodeSentence(['!done', '.tag=a'])]),
    );
    expect(packets.get('a')).toEqual([['!done']]);
    expect(failures).toEqual([]);
  });

  it('ignores late replies for a tag nobody reads any more (a cancelled command)', () => {
    const { receiver, failures } = setup();
    receiver.processRawData(encodeSentence(['!trap', '=category=2', '=message=interrupted', '.tag=zz']));
    expect(failures).toEqual([]);
  });

  it('reports !fatal with its reason', () => {
    const { receiver, failures } = setup();
    receiver.processRawData(encodeSentence(['!fatal', 'session terminated on request']));
    expect(failures).toEqual([{ kind: 'fatal', message: 'session terminated on request' }]);
  });

  it.each([
    ['reserved bytes', Buffer.from([0xff, 0xfe, 0x00])],
    ['a sentence that is not a reply', encodeSentence(['HTTP/1.1 400 Bad Request'])],
    ['an untagged reply', encodeSentence(['!done'])],
    ['a word that is not an attribute', encodeSentence(['!re', 'name=x', '.tag=a'])],
  ])('reports a protocol failure for %s, once, without throwing', (_, bytes) => {
    const { receiver, failures } = setup();
    expect(() => {
      receiver.processRawData(bytes);
      receiver.processRawData(encodeSentence(['!done', '.tag=a']));
    }).not.toThrow();
    expect(failures).toHaveLength(1);
    expect(failures[0]?.kind).toBe('protocol');
  });
});
