/**
 * Is each recorded service still answering? One real client exchange per service (the same probes the
 * start-up waits on), for `schoolnet testbed status`.
 */
import pg from 'pg';
import { ldapBind, peapLogin, snmpGet, tcpBanner, tcpOpen } from './probes.ts';
import type { ServiceInfo, TestbedService } from './types.ts';

function need(info: ServiceInfo, key: string): string {
  const v = info.extra?.[key];
  if (v === undefined) throw new Error(`the recorded info lacks extra.${key}`);
  return v;
}

export async function probeService(service: TestbedService, info: ServiceInfo): Promise<void> {
  switch (service) {
    case 'samba':
    case 'openldap': {
      if (!info.ca) throw new Error('the recorded info lacks ca');
      const startTls = service === 'openldap';
      await ldapBind({
        url: need(info, 'url'),
        ca: info.ca,
        startTls,
        ...(startTls ? {} : { servername: need(info, 'servername') }),
        bindDn: need(info, 'auditUser'),
        password: need(info, 'auditPassword'),
      });
      return;
    }
    case 'snmpd':
    case 'snmpsim': {
      const v3 = {
        user: info.user ?? 'auditor',
        authKey: need(info, 'authKey'),
        privKey: need(info, 'privKey'),
      };
      const context = service === 'snmpsim' ? { context: need(info, 'context') } : {};
      await snmpGet({ host: info.host, port: info.port, v3: { ...v3, ...context } }, 2000);
      return;
    }
    case 'sshd':
      await tcpBanner(info.host, info.port, 'SSH-2.0-');
      return;
    case 'radius':
      if (!info.ca) throw new Error('the recorded info lacks ca');
      await peapLogin({
        host: info.host,
        port: info.port,
        secret: need(info, 'secret'),
        user: need(info, 'testUser'),
        password: need(info, 'testPassword'),
        ca: info.ca,
        domain: need(info, 'servername'),
      });
      return;
    case 'postgres': {
      const c = new pg.Client({ connectionString: need(info, 'url'), connectionTimeoutMillis: 2000 });
      await c.connect();
      try {
        await c.query('SELECT 1');
      } finally {
        await c.end();
      }
      return;
    }
    case 'routeros':
      await tcpOpen(info.host, info.port);
      if (info.ports?.apiSsl) await tcpOpen(info.host, info.ports.apiSsl);
      return;
  }
}
