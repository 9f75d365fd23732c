/**
 * `collectSwitchManagement`: what the audit engine calls for a switch CLI declared with
 * `driver: ssh-cli`. It reads the running configuration (by exec where the device allows it, else in an
 * interactive shell) and returns the management facts with the configuration redacted.
 */
import type { Device } from '../../inventory/types.ts';
import { DeviceError, type CollectOptions } from '../errors.ts';
import type { SwitchManagement } from '../facts.ts';
import { SshCli, withSshCli } from './client.ts';
import { switchManagementFromConfig, type ConfigDialect } from './running-config.ts';
import type { ShellOptions } from './shell.ts';

export const SHOW_RUNNING_CONFIG = 'show running-config';

export interface SwitchCliCollectOptions extends CollectOptions {
  /**
   * `exec` runs the command on its own channel, `shell` types it into a PTY; `auto` (default) tries
   * exec and falls back to the shell when the device refuses or rejects it.
   */
  mode?: 'exec' | 'shell' | 'auto';
  /** Trust on first use, only when the caller asks for it (see SshCliOptions). */
  recordFirstSeen?: (fingerprint: string) => void;
  shell?: Omit<ShellOptions, 'commandTimeoutMs'>;
  dialect?: ConfigDialect;
}

export async function collectSwitchManagement(
  device: Device,
  opts: SwitchCliCollectOptions,
): Promise<SwitchManagement> {
  const budget = Math.min(device.timeoutMs ?? opts.timeoutMs, opts.timeoutMs);
  const end = Date.now() + budget;
  const left = () => Math.max(1, end - Date.now());
  const config = await withSshCli(
    device,
    {
      timeoutMs: budget,
      resolveSecret: opts.resolveSecret,
      ...(opts.recordFirstSeen ? { recordFirstSeen: opts.recordFirstSeen } : {}),
    },
    (cli) => readRunningConfig(cli, opts.mode ?? 'auto', left, opts.shell),
  );
  // Exec keeps the final newline and the shell does not: store one form whichever mode was used.
  return switchManagementFromConfig(config.trimEnd() + '\n', opts.dialect);
}

async function readRunningConfig(
  cli: SshCli,
  mode: 'exec' | 'shell' | 'auto',
  left: () => number,
  shellOpts: ShellOptions | undefined,
): Promise<string> {
  if (mode !== 'shell') {
    try {
      const r = await cli.exec(SHOW_RUNNING_CONFIG, left());
      const problem = configProblem(r.stdout, r.code);
      if (problem === undefined) return r.stdout;
      if (mode === 'exec')
        throw new DeviceError('E-PROTOCOL', cli.device, `"${SHOW_RUNNING_CONFIG}" by exec: ${problem}`);
    } catch (e) {
      // Only a refused or rejected exec is worth a second try in the shell; a timeout or a closed
      // connection would fail there too.
      if (mode === 'exec' || !(e instanceof DeviceError) || e.code !== 'E-PROTOCOL') throw e;
    }
  }
  const shell = await cli.shell({ ...shellOpts, commandTimeoutMs: left() });
  try {
    const out = await shell.run(SHOW_RUNNING_CONFIG, left());
    const problem = configProblem(out, 0);
    if (problem !== undefined)
      throw new DeviceError(
        'E-PROTOCOL',
        cli.device,
        `"${SHOW_RUNNING_CONFIG}" in the CLI shell: ${problem}`,
      );
    return out;
  } finally {
    shell.close();
  }
}

/** Why an output is not a configuration (the message never quotes the output beyond an error line). */
function configProblem(out: string, code: number | null): string | undefined {
  const text = out.trim();
  const first = text.split('\n')[0]?.trim() ?? '';
  if (first.startsWith('%') || /^(invalid|unknown|error)\b/i.test(first))
    return `the device answered "${first.slice(0, 120)}"`;
  if (code !== 0 && code !== null) return `exit status ${code}`;
  if (text === '') return 'empty output';
  return undefined;
}
