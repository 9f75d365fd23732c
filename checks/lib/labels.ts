/**
 * How the technician's sentences name a switch and its ports: the declared name with the switch's own
 * sysName (or CLI hostname) beside it when it differs, and a port's number with its description
 * (ifAlias, else the CLI's interface description) and its interface name. Device-supplied text is made
 * safe here (control characters removed, length bounded, quoted); the renderers escape it for HTML/CSV.
 */
import type { SwitchFacts, SwitchPort } from '../../devices/facts.ts';

const MAX = 64;

/** Text a device reported, fit to quote in a sentence. */
export function deviceText(s: string): string {
  const clean = s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = clean.length > MAX ? `${clean.slice(0, MAX - 1)}…` : clean;
  return JSON.stringify(cut);
}

/** `core-sw1` or `core-sw1 (sysName "ks2-comms-sw1")`. */
export function switchLabel(sw: Pick<SwitchFacts, 'device' | 'sysName' | 'management'>): string {
  const own = sw.sysName.trim() || sw.management?.hostname?.trim() || '';
  if (own === '' || own === sw.device) return sw.device;
  return `${sw.device} (${sw.sysName.trim() !== '' ? 'sysName' : 'hostname'} ${deviceText(own)})`;
}

/** `port 13` or `port 13 "Library PC 3" (GigabitEthernet1/0/13)`. */
export function portLabel(
  port: number | string,
  live: Pick<SwitchPort, 'name' | 'alias'> | undefined,
  sw?: Pick<SwitchFacts, 'management'>,
): string {
  const base = `port ${port}`;
  if (live === undefined) return base;
  const description = live.alias?.trim() || sw?.management?.interfaceDescriptions?.[live.name]?.trim() || '';
  const parts = [base];
  if (description !== '') parts.push(deviceText(description));
  if (live.name !== '' && live.name !== String(port)) parts.push(`(${deviceText(live.name).slice(1, -1)})`);
  return parts.join(' ');
}
