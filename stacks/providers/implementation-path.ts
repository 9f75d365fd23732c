/**
 * Where a dynamic provider finds its implementation, as a path RELATIVE to the project folder
 * (`./dist/stacks/providers/routeros-ops.js`, or `./stacks/providers/routeros-ops.ts` from the sources).
 *
 * Each dynamic provider is serialized into the Pulumi state (`__provider`), and `refresh` and `destroy`
 * run the copy recorded there, not the program's. An absolute path captured when the program loaded
 * would tie a school's state to the folder of the checkout that last ran `up`: a colleague, a CI runner
 * or a new laptop with the project elsewhere could no longer refresh or destroy it. So the state holds
 * only this relative path, and each provider method resolves it against its process's working
 * directory: `createRequire(`${process.cwd()}/`)(OPS)`.
 *
 * Why the working directory is the project folder, and why this and not a provider plugin (decided with
 * the real engine, test/pulumi-engine.test.ts "state survives a move"):
 * - the engine starts every resource plugin, the dynamic-provider host included, in the project's folder
 *   (pulumi/pulumi v3.248.0, sdk/go/common/resource/plugin: provider_plugin.go passes `ctx.Pwd` to
 *   `newPlugin`, which sets `cmd.Dir`), for `up`, `refresh` and `destroy` alike; the SDK's own host script
 *   (`pulumi-resource-pulumi-nodejs`) relies on that too: it resolves `@pulumi/pulumi` from there;
 * - "resolve through the installed package" amounts to the same thing here: schoolnet is not a
 *   dependency of itself, and `node_modules/@pulumi/pulumi` (where the host runs from) may be a shared
 *   install outside the checkout, so the only place that knows the checkout is the working directory;
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
