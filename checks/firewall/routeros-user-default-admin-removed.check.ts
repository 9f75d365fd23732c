import { verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { defaultNames: string[] };

/** The factory `admin` login is gone (a disabled one is accepted: it cannot log in). */
const check: Check<Params> = {
  meta: {
    id: 'routeros-user-default-admin-removed',
    title: "The router's default admin user is removed",
    controls: ['FW-DEFAULT-ADMIN'],
    needs: ['router'],
    params: {
      type: 'object',
      properties: { defaultNames: { type: 'array', items: { type: 'string' }, default: ['admin'] } },
      additionalProperties: false,
    },
    defaults: { defaultNames: ['admin'] },
  },
  evaluate(facts, params, ctx) {
    return forEachRouter(facts, ctx, (r) => {
      const found = r.users.filter((u) => params.defaultNames.includes(u.name.toLowerCase()));
      const live = found.filter((u) => !u.disabled);
      return [
        verdict(
          live.length === 0,
          {
            pass:
              found.length === 0
                ? `${r.device} has no default admin user.`
                : `${r.device}'s default admin user is disabled.`,
            fail: `${r.device} still has the factory user ${live.map((u) => `"${u.name}" (group ${u.group})`).join(', ')} enabled.`,
          },
          {
            source: r.device,
            object: 'user admin',
            expected: 'absent or disabled',
            actual:
              found.length === 0
                ? 'absent'
                : found.map((u) => `${u.name}: ${u.disabled ? 'disabled' : 'enabled'}`).join(', '),
          },
        ),
      ];
    });
  },
};

export default check;
