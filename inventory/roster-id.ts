/**
 * Where the directory keeps the roster's MIS id (pure: read by the audit engine, the leavers check and
 * command, and the lifecycle stack alike, so all of them look in the same attribute).
 */
import type { Directory, Lifecycle } from './types.ts';

/**
 * As declared (`lifecycle.roster.columns.directoryAttribute`), else employeeID in AD and employeeNumber
 * in OpenLDAP (inetOrgPerson's attribute for an organisation's number for a person, RFC 2798).
 */
export function rosterIdAttribute(
  lifecycle: Pick<Lifecycle, 'roster'> | undefined,
  directory: Pick<Directory, 'kind'> | undefined,
): string {
  return (
    lifecycle?.roster.columns.directoryAttribute ??
    (directory?.kind === 'ad' ? 'employeeID' : 'employeeNumber')
  );
}
