/**
 * Every failure to reach or understand a device ends in a DeviceError with a stable code, so the audit
 * can turn it into an `error` finding that names the cause (never a `pass`), and a technician knows
 * what to do next.
 */
import type { SnmpEngineRecord } from './snmp/engine-pins.ts';
export type DeviceErrorCode =
  | 'E-TIMEOUT' // no answer in time (for SNMP, also what a wrong community looks like)
  | 'E-REFUSED' // connection refused / host unreachable
  | 'E-CLOSED' // the peer closed the connection mid-conversation
  | 'E-AUTH' // credentials rejected
  | 'E-TLS' // certificate not trusted, name or pin mismatch
  | 'E-HOSTKEY' // SSH host key does not match the pin, or no pin declared
  | 'E-PROTOCOL' // garbage or a reply that breaks the protocol
  | 'E-TRAP' // RouterOS !trap (category kept in `detail`)
  | 'E-FATAL' // RouterOS !fatal
  | 'E-NOTFOUND' // the object asked for does not exist
  | 'E-CONFIG' // the declaration lacks something this device needs
  | 'E-SECRET'; // a secret reference could not be resolved

export class DeviceError extends Error {
  readonly code: DeviceErrorCode;
  readonly device: string;
  readonly hint: string | undefined;
  readonly detail: Record<string, string | number> | undefined;

  constructor(
    code: DeviceErrorCode,
    device: string,
    message: string,
    opts: { hint?: string; detail?: Record<string, string | number>; cause?: unknown } = {},
  ) {
    super(`${device}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DeviceError';
    this.code = code;
    this.device = device;
    this.hint = opts.hint;
    this.detail = opts.detail;
  }
}

/** Options every collector takes. */
export interface CollectOptions {
  /** Resolves `env:` / `file:` references (see inventory/secrets.ts). */
  resolveSecret: (ref: string) => Promise<string>;
  /** Per-device budget for the whole collection. */
  timeoutMs: number;
  /** Clock for `collectedAt`. */
  now?: () => Date;
  /** Directories: extra account attributes to read (the roster's MIS id attribute). */
  accountAttributes?: readonly string[];
  /** SNMPv3 switches: engine IDs learned at first contact (devices/snmp/engine-pins.ts), when enabled. */
  snmpEngines?: SnmpEngineRecord;
}
