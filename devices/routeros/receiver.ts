import { ProtocolError, REPLY_WORDS, SentenceDecoder } from './protocol.ts';

/**
 * A drop-in replacement for node-routeros 1.6.9's `Receiver` (the object its Connector feeds socket data to
 * and its Channels register tags with). The original, read in node_modules/node-routeros/dist/connector/
 * Receiver.js, has four faults this one does not:
 *  - it ends a sentence where a TCP read ends, not at the empty word, so a reply split after its `.tag`
 *    word is delivered in halves (the second half is glued to the next reply);
 *  - a length prefix split across two reads is decoded from missing bytes;
 *  - `!empty` (RouterOS >= 7.18) reaches Channel.processPacket, which throws UNKNOWNREPLY from inside the
 *    socket's 'data' handler: the process crashes, or the command's promise never settles;
 *  - a sentence for a tag nobody reads throws UNREGISTEREDTAG, again from the 'data' handler.
 * Here sentences are framed by the shared codec; `!empty` is dropped (its `!done` follows and settles the
 * command with no rows); `!fatal`, garbage and untagged replies end the connection through `onFailure`
 * with a reason; nothing is ever thrown back into the socket.
 */
export type ReceiverFailure = { kind: 'fatal'; message: string } | { kind: 'protocol'; message: string };

const win1252 = new TextDecoder('windows-1252');

export class SentenceReceiver {
  private readonly tags = new Map<string, (packet: string[]) => void>();
  // Decode as Windows-1252 because node-routeros's Transmitter encodes that way: what we write reads back.
  private readonly decoder = new SentenceDecoder((b) => win1252.decode(b));
  private failed = false;
  private readonly onFailure: (failure: ReceiverFailure) => void;

  constructor(onFailure: (failure: ReceiverFailure) => void) {
    this.onFailure = onFailure;
  }

  /** Called by node-routeros's Channel (through Connector.read) for every command it sends. */
  read(tag: string, callback: (packet: string[]) => void): void {
    this.tags.set(tag, callback);
  }

  stop(tag: string): void {
    this.tags.delete(tag);
  }

  processRawData(data: Buffer): void {
    if (this.failed) return;
    let sentences: string[][];
    try {
      sentences = this.decoder.push(data);
    } catch (e) {
      this.fail({ kind: 'protocol', message: e instanceof ProtocolError ? e.message : String(e) });
      return;
    }
    for (const words of sentences) {
      if (this.failed) return;
      this.dispatch(words);
    }
  }

  private fail(failure: ReceiverFailure): void {
    if (this.failed) return;
    this.failed = true;
    this.tags.clear();
    this.onFailure(failure);
  }

  private dispatch(words: string[]): void {
    const reply = words[0] as string;
    if (!REPLY_WORDS.has(reply)) {
      this.fail({ kind: 'protocol', message: `unexpected reply word ${JSON.stringify(reply.slice(0, 40))}` });
      return;
    }
    if (reply === '!fatal') {
      // `!fatal` carries its reason as a plain word, not an attribute.
      this.fail({ kind: 'fatal', message: words.slice(1).join(' ') || 'connection closed by the router' });
      return;
    }
    let tag: string | undefined;
    const packet = [reply];
    for (const w of words.slice(1)) {
      if (w.startsWith('.tag=')) tag = w.slice(5);
      else if (w.startsWith('=')) packet.push(w);
      else if (w.startsWith('.'))
        continue; // other API words (.section=...) are not row attributes
      else {
        this.fail({
          kind: 'protocol',
          message: `unexpected word ${JSON.stringify(w.slice(0, 40))} in a ${reply}`,
        });
        return;
      }
    }
    if (reply === '!empty') return;
    if (tag === undefined) {
      this.fail({ kind: 'protocol', message: `untagged ${reply}: every command was sent with a .tag` });
      return;
    }
    const callback = this.tags.get(tag);
    // A reply for a tag we stopped reading: a command we gave up on and cancelled. Nothing waits for it.
    if (callback === undefined) return;
    try {
      callback(packet);
    } catch (e) {
      this.fail({ kind: 'protocol', message: `cannot handle ${reply}: ${(e as Error).message}` });
    }
  }
}
