/**
 * A Node.js language host for the Pulumi engine (`pulumi-language-nodejs`), used ONLY where the real one
 * cannot be had.
 *
 * Why it exists: the real host is the Go module
 * `github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3`, which is never tagged on its own;
 * only pseudo-versions of a commit exist. The Go module proxy these machines reach refused it on
 * 2026-12-06 for the commit of the 3.248.0 release (a88168d865b7, the tag `v3.248.0`):
 *   reading .../pulumi-language-nodejs/v3/@v/v3.0.0-20260624120734-a88168d865b7.info: 403 Forbidden
 *   server response: This module version is not available.
 * (and 403 for its `@v/list` and for `@a88168d865b7`). The engine itself (`pulumi`, module
 * github.com/pulumi/pulumi/pkg/v3) is the real one, built from the proxy by scripts/pulumi/engine.sh.
 * A machine with Pulumi installed the normal way has the real host next to `pulumi` and never runs this.
 *
 * What it does, written against the gRPC definitions that @pulumi/pulumi ships (proto/language_grpc_pb.js),
 * and behaving as the real host of the same release does for what this project needs:
 * - starts a gRPC server on a free loopback port and prints the port on stdout (the engine's plugin
 *   protocol), with the engine's address as its last argument;
 * - `Run`: spawns `node <@pulumi/pulumi/cmd/run resolved from the program's folder> --monitor ... --engine ...
 *   --project ... --stack ... --pwd ... [--dry-run] --parallel N <entry point> <args>` with `PULUMI_CONFIG`
 *   (keys as `<namespace>:config:<name>`) and `PULUMI_CONFIG_SECRET_KEYS`, stdout and stderr inherited (the
 *   engine shows them); exit code 32 (the SDK already reported the error) answers `bail`;
 * - `GetRequiredPackages`: the program's dependencies that declare a Pulumi resource plugin
 *   (`pulumi.resource: true` in their package.json); this project has none, so the engine only loads the
 *   bundled dynamic-provider host (pulumi-resource-pulumi-nodejs);
 * - `GetPluginInfo` (the SDK's version), `Cancel` (interrupts the program); every other method answers
 *   UNIMPLEMENTED, which the engine of this release accepts (it falls back or skips).
 * Differences from the real host, on purpose: the program talks to the engine's resource monitor
 * directly (the real host puts a forwarding proxy in between that only adds a `pulumi-runtime: nodejs`
 * header, a workaround for alias specs of Node.js SDKs older than 3.x releases this project cannot use);
 * no `--sync` pipes (only the deprecated synchronous invokes use them); no TypeScript through ts-node,
 * no bun, no debugger attach, no `pulumi about` details, no `pulumi install`, no policy packs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** The program's exit code meaning "the SDK already showed the user an actionable message". */
const EXIT_AFTER_USER_MESSAGE = 32;

interface Struct {
  toJavaScript(): Record<string, unknown>;
}
interface ProgramInfo {
  getRootDirectory(): string;
  getProgramDirectory(): string;
  getEntryPoint(): string;
  getOptions(): Struct | undefined;
}
interface RunRequest {
  getProject(): string;
  getStack(): string;
  getPwd(): string;
  getProgram(): string;
  getArgsList(): string[];
  getConfigMap(): { toObject(): [string, string][] };
  getDryrun(): boolean;
  getParallel(): number;
  getMonitorAddress(): string;
  getConfigsecretkeysList(): string[];
  getOrganization(): string;
  getInfo(): ProgramInfo | undefined;
}
interface PackageRequest {
  getInfo(): ProgramInfo | undefined;
  getProgram?(): string;
}
type Unary<Req> = (
  call: { request: Req },
  callback: (err: { code: number; details: string } | null, reply?: unknown) => void,
) => void;
interface Setter {
  [setter: string]: (value: unknown) => unknown;
}

/** The SDK this host runs programs with: the one installed beside this project. */
const SDK = require.resolve('@pulumi/pulumi/package.json').replace(/package\.json$/, '');
const grpc = require('@grpc/grpc-js') as {
  Server: new () => {
    addService(service: unknown, impl: Record<string, Unary<never>>): void;
    bindAsync(addr: string, creds: unknown, cb: (err: Error | null, port: number) => void): void;
    tryShutdown(cb: () => void): void;
  };
  ServerCredentials: { createInsecure(): unknown };
  status: { INTERNAL: number; INVALID_ARGUMENT: number };
};
const services = require(`${SDK}proto/language_grpc_pb.js`) as { LanguageRuntimeService: unknown };
const language = require(`${SDK}proto/language_pb.js`) as Record<string, new () => Setter>;
const plugin = require(`${SDK}proto/plugin_pb.js`) as Record<string, new () => Setter>;
const empty = require('google-protobuf/google/protobuf/empty_pb.js') as { Empty: new () => unknown };
const sdkVersion = (JSON.parse(readFileSync(`${SDK}package.json`, 'utf8')) as { version: string }).version;

const running = new Set<ChildProcess>();

/** `ns:name` (or the legacy `ns:config:name`) as the SDK's PULUMI_CONFIG expects it: `ns:config:name`. */
export function legacyConfigKey(key: string): string {
  const parts = key.split(':');
  if (parts.length === 3 && parts[1] === 'config') return key;
  const at = key.indexOf(':');
  if (at <= 0) throw new Error(`invalid config key ${JSON.stringify(key)}: expected <namespace>:<name>`);
  return `${key.slice(0, at)}:config:${key.slice(at + 1)}`;
}

/** The node arguments of a RunRequest, in the order the real host gives them. */
export function runArguments(
  runPath: string,
  engineAddress: string,
  req: {
    monitor: string;
    organization: string;
    project: string;
    rootDirectory: string;
    stack: string;
    programDirectory: string;
    dryRun: boolean;
    parallel: number;
    entryPoint: string;
    args: string[];
  },
): string[] {
  const args = [runPath];
  const add = (k: string, v: string): void => {
    if (v !== '') args.push(`--${k}`, v);
  };
  add('monitor', req.monitor);
  add('engine', engineAddress);
  add('organization', req.organization);
  add('project', req.project);
  add('root-directory', req.rootDirectory);
  add('stack', req.stack);
  add('pwd', req.programDirectory);
  if (req.dryRun) args.push('--dry-run');
  add('parallel', String(req.parallel));
  args.push(req.entryPoint || '.', ...req.args);
  return args;
}

function runProgram(engineAddress: string, req: RunRequest): Promise<{ error: string; bail: boolean }> {
  const info = req.getInfo();
  const programDirectory = info?.getProgramDirectory() || req.getPwd();
  let runPath: string;
  try {
    runPath = createRequire(join(programDirectory, 'package.json')).resolve('@pulumi/pulumi/cmd/run');
  } catch (e) {
    return Promise.resolve({
      error: `could not find @pulumi/pulumi/cmd/run from ${programDirectory}: ${(e as Error).message}; run npm install`,
      bail: false,
    });
  }
  const options = info?.getOptions()?.toJavaScript() ?? {};
  const config: Record<string, string> = {};
  for (const [k, v] of req.getConfigMap().toObject()) config[legacyConfigKey(k)] = v;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
  };
  if (options['typescript'] === true) env['PULUMI_NODEJS_TYPESCRIPT'] = 'true';
  if (typeof options['tsconfig'] === 'string') env['PULUMI_NODEJS_TSCONFIG_PATH'] = options['tsconfig'];
  const nodeargs =
    typeof options['nodeargs'] === 'string' ? options['nodeargs'].split(/\s+/).filter(Boolean) : [];
  const args = runArguments(runPath, engineAddress, {
    monitor: req.getMonitorAddress(),
    organization: req.getOrganization(),
    project: req.getProject(),
    rootDirectory: info?.getRootDirectory() ?? '',
    stack: req.getStack(),
    programDirectory,
    dryRun: req.getDryrun(),
    parallel: req.getParallel(),
    entryPoint: info?.getEntryPoint() || req.getProgram(),
    args: req.getArgsList(),
  });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeargs, ...args], {
      cwd: programDirectory,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    running.add(child);
    child.on('error', (e) => {
      running.delete(child);
      resolve({ error: `Problem executing program (could not run node): ${e.message}`, bail: false });
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (code === 0) resolve({ error: '', bail: false });
      else if (code === EXIT_AFTER_USER_MESSAGE) resolve({ error: '', bail: true });
      else resolve({ error: `Program exited with non-zero exit code: ${code ?? signal}`, bail: false });
    });
  });
}

/** Dependencies of the program that are Pulumi resource plugins (`pulumi.resource: true`). */
export function requiredPackages(
  programDirectory: string,
): { name: string; version: string; server?: string }[] {
  const pkgFile = join(programDirectory, 'package.json');
  if (!existsSync(pkgFile)) return [];
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies?: Record<string, string> };
  const req = createRequire(pkgFile);
  const found: { name: string; version: string; server?: string }[] = [];
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    let meta: {
      version?: string;
      pulumi?: { resource?: boolean; name?: string; version?: string; server?: string };
    };
    try {
      meta = JSON.parse(readFileSync(req.resolve(`${dep}/package.json`), 'utf8')) as typeof meta;
    } catch {
      continue; // a package without an exported package.json is no Pulumi plugin
    }
    if (meta.pulumi?.resource !== true) continue;
    const name = meta.pulumi.name ?? dep.replace(/^@pulumi\//, '');
    const version = meta.pulumi.version ?? meta.version ?? '';
    found.push({ name, version, ...(meta.pulumi.server ? { server: meta.pulumi.server } : {}) });
  }
  return found;
}

/** Exits when the engine is gone, as the real host's health check does. */
function watchEngine(address: string): void {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  let failures = 0;
  const timer = setInterval(() => {
    const s = connect({ host, port });
    s.once('connect', () => {
      failures = 0;
      s.destroy();
    });
    s.once('error', () => {
      if (++failures >= 3) {
        for (const c of running) c.kill('SIGINT');
        process.exit(1);
      }
    });
  }, 2000);
  timer.unref();
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('-version') || args.includes('--version')) {
    console.log(sdkVersion);
    return;
  }
  const engineAddress = args.filter((a) => !a.startsWith('-')).at(-1) ?? '';
  const fail = (e: unknown): { code: number; details: string } => ({
    code: grpc.status.INTERNAL,
    details: e instanceof Error ? e.message : String(e),
  });
  const impl: Record<string, Unary<never>> = {
    getPluginInfo: ((_call, cb) => {
      const info = new plugin['PluginInfo']!();
      info['setVersion']!(sdkVersion);
      cb(null, info);
    }) as Unary<unknown>,
    getRequiredPlugins: ((call, cb) => {
      try {
        const reply = new language['GetRequiredPluginsResponse']!();
        const dir = call.request.getInfo()?.getProgramDirectory() ?? '';
        for (const p of requiredPackages(dir)) {
          const d = new plugin['PluginDependency']!();
          d['setName']!(p.name);
          d['setKind']!('resource');
          d['setVersion']!(p.version);
          if (p.server) d['setServer']!(p.server);
          reply['addPlugins']!(d);
        }
        cb(null, reply);
      } catch (e) {
        cb(fail(e));
      }
    }) as Unary<PackageRequest>,
    getRequiredPackages: ((call, cb) => {
      try {
        const reply = new language['GetRequiredPackagesResponse']!();
        const dir = call.request.getInfo()?.getProgramDirectory() ?? '';
        for (const p of requiredPackages(dir)) {
          const d = new plugin['PackageDependency']!();
          d['setName']!(p.name);
          d['setKind']!('resource');
          d['setVersion']!(p.version);
          if (p.server) d['setServer']!(p.server);
          reply['addPackages']!(d);
        }
        cb(null, reply);
      } catch (e) {
        cb(fail(e));
      }
    }) as Unary<PackageRequest>,
    run: ((call, cb) => {
      runProgram(engineAddress, call.request).then(
        ({ error, bail }) => {
          const reply = new language['RunResponse']!();
          reply['setError']!(error);
          reply['setBail']!(bail);
          cb(null, reply);
        },
        (e: unknown) => cb(fail(e)),
      );
    }) as Unary<RunRequest>,
    cancel: ((_call, cb) => {
      for (const c of running) c.kill('SIGINT');
      cb(null, new empty.Empty());
    }) as Unary<unknown>,
  };
  const server = new grpc.Server();
  server.addService(services.LanguageRuntimeService, impl);
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      console.error(`could not start the language host: ${err.message}`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
    if (engineAddress) watchEngine(engineAddress);
  });
  const stop = (): void => {
    for (const c of running) c.kill('SIGINT');
    server.tryShutdown(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
