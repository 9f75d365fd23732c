/**
 * SSH client for switch CLIs, on node-ssh (ssh2).
 *
 * - The host key is always checked against the declared pin (`device.sshHostKey`, `SHA256:...`). A
 *   device without a pin is refused with E-HOSTKEY, unless the caller explicitly asks for trust on first
 *   use by passing `recordFirstSeen`, which receives the fingerprint to store.
 * - Key or password authentication, secrets resolved from `env:`/`file:` references.
 * - `exec()` for devices that run a command per channel; `shell()` for those that only offer an
 *   interactive CLI (see shell.ts).
 * - Every step has a deadline, and the connection keeps an 'error' listener for its whole life (node-ssh
 *   drops its own after connecting, and an unhandled 'error' would crash the process).
 */
import { NodeSSH, type Config } from 'node-ssh';
import type { ClientChannel } from 'ssh2';
import type { Device } from '../../inventory/types.ts';
import { DeviceError } from '../errors.ts';
import { hostKeyVerifier, normalisePin, type HostKeyVerdict } from './hostkey.ts';
import { CliShell, type ShellOptions } from './shell.ts';

export interface SshCliOptions {
  /** Budget for connecting, and the default for each command. */
  timeoutMs: number;
  resolveSecret: (ref: string) => Promise<string>;
  /**
   * Trust on first use, only when asked: without a declared pin, accept the host's key and hand its
   * fingerprint here (to be written into the declaration). Without this, an unpinned host is refused.
   */
  recordFirstSeen?: (fingerprint: string) => void;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

interface SshErrorLike extends Error {
  level?: string;
  code?: string;
}

export class SshCli {
  readonly device: string;
  readonly host: string;
  readonly port: number;
  /** The fingerprint the host presented (equal to the pin, or first seen). */
  readonly hostKey: string;
  private readonly ssh: NodeSSH;
  private readonly timeoutMs: number;
  private lastError: Error | undefined;
  private closed = false;

  private constructor(device: Device, ssh: NodeSSH, hostKey: string, timeoutMs: number) {
    this.device = device.name;
    this.host = device.host;
    this.port = device.port ?? 22;
    this.ssh = ssh;
    this.hostKey = hostKey;
    this.timeoutMs = timeoutMs;
    ssh.connection?.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  static async connect(device: Device, opts: SshCliOptions): Promise<SshCli> {
    const pin = device.sshHostKey === undefined ? undefined : normalisePin(device.sshHostKey);
    if (device.sshHostKey !== undefined && pin === undefined) {
      throw new DeviceError(
        'E-CONFIG',
        device.name,
        `sshHostKey ${JSON.stringify(device.sshHostKey)} is not a SHA256 fingerprint`,
        {
          hint: 'Use the form printed by `ssh-keygen -lf <host key>.pub`: SHA256:<43 base64 characters>.',
        },
      );
    }
    const creds = device.credentials;
    if (!creds?.user)
      throw new DeviceError('E-CONFIG', device.name, 'credentials.user is required for SSH', {
        hint: 'Declare credentials: { user, privateKey or password }.',
      });
    if (!creds.privateKey && !creds.password) {
      throw new DeviceError(
        'E-CONFIG',
        device.name,
        'credentials need a privateKey or password reference for SSH',
      );
    }
    const secret = async (field: string, ref: string): Promise<string> => {
      try {
        return await opts.resolveSecret(ref);
      } catch (e) {
        throw new DeviceError(
          'E-SECRET',
          device.name,
          `cannot resolve credentials.${field} (${ref.split(':')[0]}:...): ${(e as Error).message}`,
          { cause: e },
        );
      }
    };
    const auth: Pick<Config, 'privateKey' | 'password' | 'tryKeyboard'> = {};
    if (creds.privateKey) auth.privateKey = await secret('privateKey', creds.privateKey);
    if (creds.password) {
      auth.password = await secret('password', creds.password);
      // Many switches offer passwords only through keyboard-interactive.
      auth.tryKeyboard = true;
    }

    const port = device.port ?? 22;
    const verdict: HostKeyVerdict = {};
    const ssh = new NodeSSH();
    const connecting = ssh.connect({
      host: device.host,
      port,
      username: creds.user,
      ...auth,
      readyTimeout: opts.timeoutMs,
      hostVerifier: hostKeyVerifier(pin, verdict, opts.recordFirstSeen),
      // Never fall back to an SSH agent's keys: only declared credentials are used.
      agent: undefined,
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      // ssh2's readyTimeout covers the handshake; this also covers DNS and a stalled TCP connect.
      timer = setTimeout(
        () => reject(Object.assign(new Error('connect timed out'), { level: 'client-timeout' })),
        opts.timeoutMs + 250,
      );
    });
    connecting.catch(() => undefined);
    try {
      await Promise.race([connecting, deadline]);
    } catch (e) {
      ssh.dispose();
      throw mapConnectError(device.name, `${device.host}:${port}`, e, verdict, pin, opts.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
    return new SshCli(device, ssh, verdict.presented ?? '', opts.timeoutMs);
  }

  /** Runs one command on its own channel (devices that allow exec). */
  async exec(command: string, timeoutMs = this.timeoutMs): Promise<ExecResult> {
    let channel: ClientChannel | undefined;
    const running = this.ssh.execCommand(command, { noTrim: true, onChannel: (ch) => (channel = ch) });
    running.catch(() => undefined);
    const r = await this.withDeadline(running, timeoutMs, `exec "${command}"`, () => channel?.close()).catch(
      (e: unknown) => {
        throw this.mapRuntimeError(e, `exec "${command}"`);
      },
    );
    // Many switches send no exit status, so a missing code alone is normal; with the connection gone
    // too, the output may be cut short and must not be judged.
    if (r.code === null && !this.ssh.isConnected()) {
      throw new DeviceError(
        'E-CLOSED',
        this.device,
        `connection to ${this.host}:${this.port} closed during exec "${command}"`,
      );
    }
    return { stdout: r.stdout, stderr: r.stderr, code: r.code };
  }

  /** Opens an interactive PTY shell and waits for the first prompt (paging turned off). */
  async shell(opts: ShellOptions = {}): Promise<CliShell> {
    const timeoutMs = opts.commandTimeoutMs ?? this.timeoutMs;
    const opening = this.ssh.requestShell({ term: 'vt100', cols: opts.cols ?? 200, rows: 48 });
    opening.catch(() => undefined);
    const channel = await this.withDeadline(opening, timeoutMs, 'open shell').catch((e: unknown) => {
      throw this.mapRuntimeError(e, 'open shell');
    });
    const shell = new CliShell(this.device, channel, { ...opts, commandTimeoutMs: timeoutMs });
    try {
      await shell.ready();
    } catch (e) {
      shell.close();
      throw e;
    }
    return shell;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ssh.dispose();
  }

  private async withDeadline<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout?.();
        reject(
          new DeviceError(
            'E-TIMEOUT',
            this.device,
            `${what} on ${this.host}:${this.port} did not finish within ${ms} ms`,
            { detail: { timeoutMs: ms } },
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([p, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private mapRuntimeError(e: unknown, what: string): DeviceError {
    if (e instanceof DeviceError) return e;
    const err = (this.lastError ?? e) as SshErrorLike;
    if (err.code === 'ECONNRESET' || /not connected|no response|closed/i.test(err.message)) {
      return new DeviceError(
        'E-CLOSED',
        this.device,
        `connection to ${this.host}:${this.port} closed during ${what}`,
        { cause: err },
      );
    }
    return new DeviceError(
      'E-PROTOCOL',
      this.device,
      `${what} on ${this.host}:${this.port} failed: ${err.message}`,
      {
        cause: err,
        hint: what.startsWith('exec')
          ? 'The device may not allow exec channels; use the interactive shell mode.'
          : undefined,
        detail: { step: what.split(' ')[0] ?? what },
      },
    );
  }
}

function mapConnectError(
  device: string,
  at: string,
  e: unknown,
  verdict: HostKeyVerdict,
  pin: string | undefined,
  ms: number,
): DeviceError {
  if (e instanceof DeviceError) return e;
  const err = (e instanceof Error ? e : new Error(String(e))) as SshErrorLike;
  if (verdict.outcome === 'mismatch') {
    return new DeviceError(
      'E-HOSTKEY',
      device,
      `host key of ${at} does not match the pin: expected ${pin}, got ${verdict.presented}`,
      {
        cause: err,
        hint: 'Someone may be intercepting the connection, or the device was replaced or re-keyed. Verify the new key out of band before updating sshHostKey.',
        detail: { expected: pin ?? '', presented: verdict.presented ?? '' },
      },
    );
  }
  if (verdict.outcome === 'unpinned') {
    return new DeviceError(
      'E-HOSTKEY',
      device,
      `no sshHostKey declared for ${at}; refusing an unpinned host (it presented ${verdict.presented})`,
      {
        cause: err,
        hint: `Check the fingerprint on the device's console (e.g. \`show ip ssh\` / \`ssh-keygen -lf\`), then declare sshHostKey: ${verdict.presented}`,
        detail: { presented: verdict.presented ?? '' },
      },
    );
  }
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') {
    return new DeviceError('E-TIMEOUT', device, `no SSH handshake with ${at} within ${ms} ms`, {
      cause: err,
      hint: 'Check the address, port and any firewall in between.',
    });
  }
  if (err.level === 'client-authentication') {
    return new DeviceError('E-AUTH', device, `SSH login to ${at} refused: ${err.message}`, {
      cause: err,
      hint: 'Check credentials.user and the key or password reference.',
    });
  }
  if (
    err.code === 'ECONNREFUSED' ||
    err.code === 'EHOSTUNREACH' ||
    err.code === 'ENETUNREACH' ||
    err.level === 'client-dns'
  ) {
    return new DeviceError('E-REFUSED', device, `cannot connect to ${at}: ${err.message}`, {
      cause: err,
      hint: 'Check the address and that SSH is enabled on the device.',
    });
  }
  if (err.code === 'ECONNRESET' || /lost before handshake|closed/i.test(err.message)) {
    return new DeviceError(
      'E-CLOSED',
      device,
      `${at} closed the connection during the SSH handshake: ${err.message}`,
      { cause: err },
    );
  }
  if (/privateKey|parse|passphrase/i.test(err.message)) {
    return new DeviceError('E-CONFIG', device, `cannot use the private key: ${err.message}`, { cause: err });
  }
  return new DeviceError('E-PROTOCOL', device, `SSH connection to ${at} failed: ${err.message}`, {
    cause: err,
  });
}

/** Connects, runs `fn`, and always disconnects. */
export async function withSshCli<T>(
  device: Device,
  opts: SshCliOptions,
  fn: (cli: SshCli) => Promise<T>,
): Promise<T> {
  const cli = await SshCli.connect(device, opts);
  try {
    return await fn(cli);
  } finally {
    cli.close();
  }
}
