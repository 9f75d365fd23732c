/**
 * How a dynamic provider finds its implementation wherever the checkout lives.
 *
 * Each dynamic provider is serialized into the Pulumi state (`__provider`), and `refresh` and `destroy`
 * run the copy recorded there, not the program's. An absolute path captured when the program loaded
 * would tie a school's state to the folder of the checkout that last ran `up`: a colleague, a CI runner
 * or a new laptop with the project elsewhere could no longer refresh or destroy it. So the state holds
 * only a path RELATIVE to the project folder (`./dist/stacks/providers/routeros-ops.js`, or
 * `./stacks/providers/routeros-ops.ts` from the sources), and `loadImplementation` finds the project
 * folder at run time: the nearest folder holding Pulumi.yaml, from the provider host's working directory
 * upwards.
 *
 * Why that works, and why this and not a provider plugin (decided with the real engine:
 * test/pulumi-engine.test.ts, "state survives a move", refreshes and destroys from a copy of the project
 * in another folder after removing the first one):
 * - the engine starts every resource plugin, the dynamic-provider host included, in the program's folder
 *   (pulumi/pulumi v3.248.0: pkg/engine/project.go getPwdMain gives `dist/stacks` for our `main`, and
 *   sdk/go/common/resource/plugin/provider_plugin.go passes that `ctx.Pwd` to newPlugin as `cmd.Dir`), for
 *   `up`, `refresh` and `destroy` alike, so Pulumi.yaml is always at or above it; the SDK's own host script
 *   (`pulumi-resource-pulumi-nodejs`) relies on the same: it resolves `@pulumi/pulumi` from there;
 * - "resolve through the installed package" amounts to the same thing here: schoolnet is not a
 *   dependency of itself, and `node_modules/@pulumi/pulumi` (where the host runs from) may be a shared
 *   install outside the checkout, so only the working directory knows the checkout;
 * - a provider plugin (`pulumi-resource-schoolnet`) would need a schema, a binary on every machine's PATH
 *   and a new type token for every resource: every URN changes, so every school's existing state would
 *   need aliases or a migration, for no gain in portability (the plugin would still load this code).
 * A state written before this change still holds absolute paths until its next `up` rewrites them.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `./<path from the project folder>` of the module `name` next to `moduleUrl` (same extension). */
export function implementationPath(moduleUrl: string, name: string): string {
  const file = fileURLToPath(new URL(`./${name}.${moduleUrl.endsWith('.ts') ? 'ts' : 'js'}`, moduleUrl));
  let root = dirname(file);
  while (!existsSync(join(root, 'Pulumi.yaml'))) {
    const up = dirname(root);
    if (up === root) throw new Error(`${file}: no Pulumi.yaml above it: not inside the schoolnet project`);
    root = up;
  }
  return `./${relative(root, file).split(sep).join('/')}`;
}

/**
 * The implementation module at `path` (from implementationPath), loaded from the project folder found
 * above the working directory. Serialized into the state with each provider method that calls it, so it
 * uses nothing but its argument and Node's built-ins.
 */
export function loadImplementation<T>(path: string): T {
  const { createRequire } = process.getBuiltinModule('node:module');
  const fs = process.getBuiltinModule('node:fs');
  const p = process.getBuiltinModule('node:path');
  let root = process.cwd();
  while (!fs.existsSync(p.join(root, 'Pulumi.yaml'))) {
    if (p.dirname(root) === root)
      throw new Error(
        `no Pulumi.yaml in ${process.cwd()} or above: run Pulumi from the schoolnet project (npm run build first)`,
      );
    root = p.dirname(root);
  }
  return createRequire(p.join(root, 'package.json'))(path) as T;
}
