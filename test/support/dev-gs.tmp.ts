import { startTestbed } from '/work/main/scripts/testbed/index.ts';
import type { TestProject } from 'vitest/node';
export default async function setup(project: TestProject) {
  const services = (process.env.TB_SERVICES ?? 'openldap,snmpsim,sshd,snmpd,routeros').split(',') as never;
  const tb = await startTestbed({ mode: 'dynamic', services });
  project.provide('testbed' as never, tb.info as never);
  return async () => { await tb.stop(); };
}
