/**
 * An interactive switch CLI over a PTY, driven by an expect loop: send a command, read until the
 * device's prompt comes back, answer pager prompts with a space on the way. Paging is turned off first
 * (`terminal length 0`), so the pager is only a fall-back for devices that ignore that command.
 */
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { DeviceError } from '../errors.ts';
import { PAGER_PROMPT, cleanTerminalOutput, removePagerPrompts } from './terminal.ts';

export interface ShellOptions {
  /**
   * The device prompt, tested against the last (cleaned) line of output. Default: a host name followed
   * by an optional `(config...)` mode and `#`, `>` or `$` (`core-sw1#`, `Switch(config)#`, `sw> `).
   */
  prompt?: RegExp;
  /** Sent after the first prompt, their output ignored. Default `terminal length 0`. */
  pagingOff?: string[];
  /** Per-command deadline. */
  commandTimeoutMs?: number;
  /** PTY width; wide, so that long configuration lines are not wrapped. */
  cols?: number;
}

export const DEFAULT_PROMPT = /^[\w.@/:-]{1,64}(?:\([\w./ :-]*\))?\s?[#>$]$/;
const PAGER_AT_END = new RegExp(`(?:${PAGER_PROMPT.source})\\s*$`, 'i');

interface Waiter {
  resolve: (output: string) => void;
  reject: (e: DeviceError) => void;
  what: string;
}

export class CliShell {
  readonly device: string;
  private readonly channel: ClientChannel;
  private readonly prompt: RegExp;
  private readonly pagingOff: string[];
  private readonly timeoutMs: number;
  private readonly decoder = new StringDecoder('utf8');
  private raw = '';
  private waiter: Waiter | undefined;
  private ended: DeviceError | undefined;
  /** The prompt seen first, learnt so that later matches must come from the same host. */
  private hostPrompt: RegExp | undefined;
  /** How many pager prompts were answered in this session (evidence for tests and logs). */
  pagesAnswered = 0;

  constructor(device: string, channel: ClientChannel, opts: ShellOptions & { commandTimeoutMs: number }) {
    this.device = device;
    this.channel = channel;
    this.prompt = opts.prompt ?? DEFAULT_PROMPT;
    this.pagingOff = opts.pagingOff ?? ['terminal length 0'];
    this.timeoutMs = opts.commandTimeoutMs;
    channel.on('data', (chunk: Buffer) => this.onData(this.decoder.write(chunk)));
    channel.stderr.on('data', (chunk: Buffer) => this.onData(chunk.toString('utf8')));
    channel.on('close', () => this.onEnd());
    channel.on('error', (err: Error) => this.onEnd(err));
  }

  /** Waits for the first prompt (after any banner), then turns paging off. */
  async ready(): Promise<void> {
    await this.waitForPrompt('login prompt', this.timeoutMs);
    for (const cmd of this.pagingOff) await this.run(cmd);
  }

  /** Sends `command` and returns its output: cleaned, without the echoed command and the final prompt. */
  async run(command: string, timeoutMs = this.timeoutMs): Promise<string> {
    if (this.ended) throw this.ended;
    this.raw = '';
    this.channel.write(command + '\r');
    const transcript = await this.waitForPrompt(`"${command}"`, timeoutMs);
    return stripEchoAndPrompt(transcript, command);
  }

  close(): void {
    if (!this.ended) {
      try {
        this.channel.end('exit\r');
      } catch {
        // the channel is already gone
      }
    }
    this.channel.destroy();
  }

  private waitForPrompt(what: string, ms: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        // Never put the received text in the error: it may be a configuration full of secrets.
        reject(
          new DeviceError(
            'E-TIMEOUT',
            this.device,
            `no CLI prompt after ${what} within ${ms} ms (${this.raw.length} characters received)`,
            {
              hint: 'The device prompt may not match the expected pattern, or the command is still running.',
              detail: { timeoutMs: ms },
            },
          ),
        );
      }, ms);
      this.waiter = {
        what,
        resolve: (out) => {
          clearTimeout(timer);
          resolve(out);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.check();
    });
  }

  private onData(text: string): void {
    this.raw += text;
    this.check();
  }

  private onEnd(err?: Error): void {
    if (this.ended) return;
    this.ended = new DeviceError(
      'E-CLOSED',
      this.device,
      `the CLI session closed${this.waiter ? ` while waiting for ${this.waiter.what}` : ''}`,
      err ? { cause: err } : {},
    );
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.ended);
  }

  /** Looks only at the last line: that is where a prompt or a pager waits for us. */
  private check(): void {
    if (!this.waiter) return;
    const lastLine = cleanTerminalOutput(this.raw.slice(this.raw.lastIndexOf('\n') + 1)).trim();
    if (PAGER_AT_END.test(lastLine)) {
      this.pagesAnswered++;
      // The device sends nothing more until answered, so each pager prompt is seen exactly once here;
      // mark it answered by appending a newline to our copy (the device will erase it on screen).
      this.raw += '\n';
      this.channel.write(' ');
      return;
    }
    if (!this.isPrompt(lastLine)) return;
    if (!this.hostPrompt) this.hostPrompt = learnPrompt(lastLine);
    const w = this.waiter;
    this.waiter = undefined;
    w.resolve(this.raw);
  }

  private isPrompt(line: string): boolean {
    if (this.hostPrompt) return this.hostPrompt.test(line);
    return this.prompt.test(line);
  }
}

/** From `core-sw1#` to a pattern that accepts `core-sw1#`, `core-sw1>` and `core-sw1(config)#`. */
function learnPrompt(line: string): RegExp {
  const base = line.replace(/\s?(?:\([^)]*\))?\s?[#>$]$/, '');
  const escaped = base.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${escaped}(?:\\([^)]*\\))?\\s?[#>$]$`);
}

function stripEchoAndPrompt(transcript: string, command: string): string {
  const lines = removePagerPrompts(cleanTerminalOutput(transcript)).split('\n');
  lines.pop(); // the prompt
  // The PTY echoes what we typed; some devices echo it after a prompt fragment.
  const first = lines[0]?.trim();
  if (first !== undefined && (first === command || first.endsWith(command))) lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
  return lines.join('\n');
}
