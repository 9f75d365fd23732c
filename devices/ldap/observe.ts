/**
 * Every LDAP operation our sessions send, published on a node:diagnostics_channel for whoever wants to
 * watch (the read-only audit test counts them; nothing subscribes in production, and publishing to a
 * channel nobody listens on costs nothing). The reader classifies the bytes it actually writes; the
 * writer (ldapts) names each operation it asks ldapts for.
 */
import { channel } from 'node:diagnostics_channel';

export const LDAP_OPERATIONS_CHANNEL = 'schoolnet:ldap:operation';

export type LdapOperation =
  | 'bind'
  | 'unbind'
  | 'search'
  | 'modify'
  | 'add'
  | 'delete'
  | 'modifyDN'
  | 'compare'
  | 'abandon'
  | 'extended'
  | 'unknown';

export interface LdapOperationMessage {
  /** The session's device name. */
  device: string;
  operation: LdapOperation;
  /** Extended operations: the request OID (StartTLS is 1.3.6.1.4.1.1466.20037). */
  oid?: string;
}

const ops = channel(LDAP_OPERATIONS_CHANNEL);

export function publishOperation(message: LdapOperationMessage): void {
  if (ops.hasSubscribers) ops.publish(message);
}

/** RFC 4511 request tags (APPLICATION n). */
const BY_TAG: Record<number, LdapOperation> = {
  0x60: 'bind',
  0x42: 'unbind',
  0x63: 'search',
  0x66: 'modify',
  0x68: 'add',
  0x4a: 'delete',
  0x6c: 'modifyDN',
  0x6e: 'compare',
  0x50: 'abandon',
  0x77: 'extended',
};

/** The operation of an encoded LDAPMessage (from its bytes), and the OID of an extended request. */
export function operationOf(msg: Buffer): { operation: LdapOperation; oid?: string } {
  let p = 1;
  const first = msg[p] as number;
  p += first < 0x80 ? 1 : 1 + (first & 0x7f);
  p += 2 + (msg[p + 1] as number); // messageID
  const operation = BY_TAG[msg[p] as number] ?? 'unknown';
  if (operation !== 'extended') return { operation };
  const lenByte = msg[p + 1] as number;
  p += 2 + (lenByte < 0x80 ? 0 : lenByte & 0x7f);
  if (msg[p] !== 0x80) return { operation };
  const oidLen = msg[p + 1] as number;
  return { operation, oid: msg.toString('latin1', p + 2, p + 2 + oidLen) };
}
