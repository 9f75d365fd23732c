import net from 'node:net';
import { SentenceDecoder, encodeSentence } from '../../../devices/routeros/protocol.ts';

/**
 * A bare API connection for tests that look at the wire itself (tags, reply order, close after a failed
 * login): send sentences, read sentences, notice when the server closes.
 */
export interface RawSession {
  send(...words: string[]): void;
  /** The next sentence; rejects if the server closes first or nothing arrives within `ms`. */
  next(ms?: number): Promise<string[]>;
  /** Reads sentences until one starts with `!done` (inclusive). */
  untilDone(ms?: number): Promise<string[][]>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  close(): void;
}

export async function rawSession(port: number, host = '127.0.0.1'): Promise<RawSession> {
  const socket = net.connect(port, host);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const decoder = new SentenceDecoder();
  const queue: string[][] = [];
  const waiters: ((s: string[] | null) => void)[] = [];
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    for (const s of decoder.push(chunk)) {
      const w = waiters.shift();
      if (w) w(s);
      else queue.push(s);
    }
  });
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      ended = true;
      for (const w of waiters.splice(0)) w(null);
      resolve();
    });
  });
  const next = (ms = 2000): Promise<string[]> => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    if (ended) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sentence within ${ms} ms`)), ms);
      waiters.push((s) => {
        clearTimeout(timer);
        if (s === null) reject(new Error('connection closed'));
        else resolve(s);
      });
    });
  };
  return {
    send: (...words) => socket.write(encodeSentence(words)),
    next,
    async untilDone(ms) {
      const out: string[][] = [];
      for (;;) {
        const s = await next(ms);
        out.push(s);
        if (s[0] === '!done') return out;
      }
    },
    closed,
    close: () => socket.destroy(),
  };
}
