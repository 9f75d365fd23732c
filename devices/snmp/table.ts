import { compareOids, isUnder, suffixOf } from './oid.ts';
import { isException, type SnmpValue, type SnmpVarbind } from './varbind.ts';

/**
 * Table helpers: SNMP tables arrive as a flat, OID-ordered list of cells (`<entry>.<column>.<index>`);
 * these fold them back into rows keyed by the row index (which may span several arcs, e.g. VTP's
 * `<domain>.<vlan>`).
 */

export type Row = Map<number, SnmpValue>;

/** Rows of the table whose entry OID is `entry` (e.g. ifEntry `1.3.6.1.2.1.2.2.1`), by index string. */
export function tableRows(varbinds: Iterable<SnmpVarbind>, entry: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const vb of varbinds) {
    if (!isUnder(entry, vb.oid) || isException(vb)) continue;
    const rest = suffixOf(entry, vb.oid);
    const dot = rest.indexOf('.');
    if (dot < 0) continue; // the column object itself, no instance
    const column = Number(rest.slice(0, dot));
    const index = rest.slice(dot + 1);
    let row = rows.get(index);
    if (!row) rows.set(index, (row = new Map()));
    row.set(column, vb.value);
  }
  return new Map([...rows].sort(([a], [b]) => compareOids(a, b)));
}

/** One column (`column` is the column's full OID) as index -> value. */
export function columnValues(varbinds: Iterable<SnmpVarbind>, column: string): Map<string, SnmpValue> {
  const out = new Map<string, SnmpValue>();
  for (const vb of varbinds) {
    if (isUnder(column, vb.oid) && !isException(vb)) out.set(suffixOf(column, vb.oid), vb.value);
  }
  return out;
}

/** The value of a scalar (`sysName` is asked for as `1.3.6.1.2.1.1.5.0`). */
export function scalar(varbinds: Iterable<SnmpVarbind>, oid: string): SnmpValue | undefined {
  for (const vb of varbinds) if (vb.oid === oid && !isException(vb)) return vb.value;
  return undefined;
}
