/**
 * The Containerfile, without a container engine: its instructions are parsed and checked (two
 * stages, numeric non-root USER, binary and config where ENTRYPOINT and CMD expect them, EXPOSE
 * and HEALTHCHECK matching the default config's ports), then the compiled binary and the config
 * are laid out in a temporary root as the final stage describes and started the way ENTRYPOINT
 * and CMD say, as the image's user (setpriv when the tests run as root): the admin /healthz,
 * the HEALTHCHECK command itself and the proxy answer, and SIGTERM ends it cleanly.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ensureBinary } from './support/binary.ts';
import { BUN, freePort, killWhenTestsEnd, ROOT, spawnProcess, type Spawned } from './support/process.ts';
import { toolOrSkip } from './support/required-tool.ts';

setDefaultTimeout(60_000);

interface Instruction {
  keyword: string;
  args: string;
  /** 0 for the first FROM's stage, 1 for the next. */
  stage: number;
  line: number;
}

/** Containerfile instructions: comments dropped, `\` continuations joined. */
function parseContainerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (pending && line.startsWith('#')) return; // comment lines inside a continuation are skipped
    if (!pending) startLine = i + 1;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(full)!;
    if (keyword!.toUpperCase() === 'FROM') stage++;
    out.push({ keyword: keyword!.toUpperCase(), args: args!.trim(), stage, line: startLine });
  });
  return out;
}

const containerfile = parseContainerfile(readFileSync(join(ROOT, 'Containerfile'), 'utf8'));
const finalStage = Math.max(...containerfile.map((i) => i.stage));
const final = (keyword: string) => containerfile.filter((i) => i.stage === finalStage && i.keyword === keyword);
const one = (keyword: string) => {
  const found = final(keyword);
  expect(found.length).toBe(1);
  return found[0]!;
};
/** COPY [--from=STAGE] SRC DEST of the final stage, by destination. */
const copies = () =>
  final('COPY').map((i) => {
    const words = i.args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const [src, dest] = words.filter((w) => !w.startsWith('--'));
    return { from, src: src!, dest: dest! };
  });
const exec = (keyword: string) => JSON.parse(one(keyword).args) as string[];
const env = () => Object.fromEntries(final('ENV').map((i) => /^(\S+?)=(.*)$/.exec(i.args)!.slice(1, 3) as [string, string]));

const CONFIG_IN_IMAGE = '/etc/gatehouse/gatehouse.yaml';
const BINARY_IN_IMAGE = '/usr/local/bin/gatehouse';
const configSource = () => copies().find((c) => c.dest === CONFIG_IN_IMAGE)!.src;
const defaultConfig = () => parse(readFileSync(join(ROOT, configSource()), 'utf8')) as { listen: string; admin: { listen: string } };
const portOf = (listen: string) => Number(/:(\d+)$/.exec(listen)![1]);
const [uid, gid] = /^(\d+)(?::(\d+))?$/.exec(one('USER').args)!.slice(1).map(Number) as [number, number | undefined];

describe('Containerfile', () => {
  test('builds with bun in a first stage and copies only the executable out of it', () => {
    const stages = containerfile.filter((i) => i.keyword === 'FROM');
    expect(stages.length).toBe(2);
    expect(stages[0]!.args).toMatch(/^(docker\.io\/)?oven\/bun:\S+ AS build$/i);
    const buildRuns = containerfile.filter((i) => i.stage === 0 && i.keyword === 'RUN').map((i) => i.args);
    expect(buildRuns.some((r) => r.includes('bun install --frozen-lockfile'))).toBe(true);
    expect(buildRuns.some((r) => r.includes('bun scripts/build.ts'))).toBe(true);
    expect(stages[1]!.args).toMatch(/debian:bookworm-slim|distroless/);
    expect(copies().filter((c) => c.from)).toEqual([{ from: 'build', src: '/src/dist/gatehouse', dest: BINARY_IN_IMAGE }]);
    expect(containerfile.filter((i) => i.stage === 0 && i.keyword === 'WORKDIR').map((i) => i.args)).toEqual(['/src']);
  });

  test('runs as a numeric non-root user that the image creates', () => {
    expect(uid).toBeGreaterThan(0);
    expect(gid ?? uid).toBeGreaterThan(0);
    // USER comes after everything that needs root, and the user exists in /etc/passwd (curl and
    // other tools look it up) with the same uid.
    const userAt = containerfile.indexOf(one('USER'));
    expect(containerfile.slice(userAt).some((i) => i.keyword === 'RUN')).toBe(false);
    expect(final('RUN').some((r) => r.args.includes(`useradd`) && r.args.includes(`--uid ${uid}`))).toBe(true);
  });

  test('puts the config where CMD reads it and the binary where ENTRYPOINT finds it', () => {
    expect(exec('ENTRYPOINT')).toEqual(['gatehouse']);
    expect(exec('CMD')).toEqual(['run', '-c', CONFIG_IN_IMAGE]);
    expect(copies().map((c) => c.dest).sort()).toEqual([CONFIG_IN_IMAGE, BINARY_IN_IMAGE].sort());
    expect(existsSync(join(ROOT, configSource()))).toBe(true);
    expect(one('STOPSIGNAL').args).toBe('SIGTERM');
  });

  test('EXPOSEs the default config\'s listener and admin listener, and HEALTHCHECKs /healthz on the admin one', () => {
    const config = defaultConfig();
    const exposed = one('EXPOSE').args.split(/\s+/).map(Number).sort();
    expect(exposed).toEqual([portOf(config.listen), portOf(config.admin.listen)].sort());
    const health = /^(?:--\S+\s+)*CMD\s+(\[.*\])$/.exec(one('HEALTHCHECK').args);
    const command = JSON.parse(health![1]!) as string[];
    expect(command[0]).toBe('curl');
    expect(command.some((a) => /^-[a-zA-Z]*f/.test(a))).toBe(true); // -f: an HTTP error status fails the check
    expect(command.at(-1)).toBe(`http://127.0.0.1:${portOf(config.admin.listen)}/healthz`);
    // curl is installed in the final stage for it.
    expect(final('RUN').some((r) => /apt-get install .*\bcurl\b/.test(r.args))).toBe(true);
  });

  test('.containerignore and .dockerignore admit exactly what the COPY lines need', () => {
    const patterns = (file: string) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
    const ignore = patterns('.containerignore');
    expect(patterns('.dockerignore')).toEqual(ignore);
    expect(ignore[0]).toBe('*'); // an allow-list: nothing else (node_modules, dist, .git, secrets) is sent
    const allowed = ignore.slice(1).map((p) => {
      expect(p).toStartWith('!');
      return p.slice(1).replace(/\/$/, '');
    });
    const sources = containerfile.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from=')).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const admits = (a: string, src: string) => src === a || src.startsWith(a + '/');
    for (const src of sources) {
      expect(existsSync(join(ROOT, src))).toBe(true);
      expect(allowed.some((a) => admits(a, src))).toBe(true);
    }
    for (const a of allowed) expect(sources.some((src) => admits(a, src))).toBe(true);
  });
});

describe('the build stage', () => {
  test('has every file the bundle reads: what its COPY lines bring is enough to bundle src/main.ts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-build-context-'));
    try {
      for (const copy of containerfile.filter((i) => i.stage === 0 && i.keyword === 'COPY')) {
        const words = copy.args.split(/\s+/);
        const dest = words.at(-1)!;
        for (const src of words.slice(0, -1)) cpSync(join(ROOT, src), dest.endsWith('/') ? join(dir, dest, basename(src)) : join(dir, dest), { recursive: true });
      }
      // `bun install --production` in the image; the tree's node_modules holds the same packages.
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      // Bundling runs the macros that embed files (the docs `gatehouse` prints), as the compile does.
      const bundle = Bun.spawnSync([BUN, 'build', 'src/main.ts', '--target=bun', '--outdir', join(dir, 'out')], { cwd: dir, env: { PATH: '/nonexistent', HOME: dir }, stderr: 'pipe', stdout: 'pipe' });
      expect(bundle.stderr.toString()).toBe('');
      expect(bundle.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the image layout, started as the Containerfile says', () => {
  let root: string;
  let run: Spawned | undefined;
  let ports: { proxy: number; admin: number };
  let image: { proxy: number; admin: number };

  beforeAll(async () => {
    const binary = await ensureBinary();
    root = mkdtempSync(join(tmpdir(), 'gatehouse-image-'));
    const config = defaultConfig();
    image = { proxy: portOf(config.listen), admin: portOf(config.admin.listen) };
    ports = { proxy: freePort(), admin: freePort() };
    // Only the ports change: the test cannot take 8080 and 9901, and binds loopback only.
    config.listen = `127.0.0.1:${ports.proxy}`;
    config.admin.listen = `127.0.0.1:${ports.admin}`;
    const place = (dest: string) => {
      const path = join(root, dest);
      mkdirSync(dirname(path), { recursive: true });
      return path;
    };
    for (const c of copies()) {
      if (c.dest === BINARY_IN_IMAGE) copyFileSync(binary, place(c.dest));
      else writeFileSync(place(c.dest), stringify(config));
    }
    chmodSync(join(root, BINARY_IN_IMAGE), 0o755);
    for (const dir of Object.values(env())) if (dir.startsWith('/')) mkdirSync(join(root, dir), { recursive: true });
    chmodSync(root, 0o755);
    if (process.getuid?.() === 0) for (const dir of Object.values(env())) if (dir.startsWith('/')) chownSync(join(root, dir), uid, gid ?? uid);
  }, 240_000);

  afterAll(() => {
    run?.kill('SIGKILL');
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('serves /healthz, passes its HEALTHCHECK, proxies, and exits 0 on SIGTERM', async () => {
    const asRoot = process.getuid?.() === 0;
    const setpriv = asRoot
      ? toolOrSkip(Bun.which('setpriv') ?? undefined, { name: 'setpriv', lookedAt: 'PATH', aptPackage: 'util-linux' }, 'the container layout test (running as the image user)')
      : undefined;
    if (asRoot && !setpriv) return;
    const curl = toolOrSkip(Bun.which('curl') ?? undefined, { name: 'curl', lookedAt: 'PATH', aptPackage: 'curl' }, "the container layout test (the image's HEALTHCHECK runs curl)");
    if (!curl) return;

    // ENTRYPOINT + CMD, with the image's paths under the temporary root, its ENV and nothing else.
    const inRoot = (arg: string) => (arg.startsWith('/etc/') || arg.startsWith('/var/') ? join(root, arg) : arg);
    const command = [...exec('ENTRYPOINT'), ...exec('CMD')].map(inRoot);
    const imageEnv = Object.fromEntries(Object.entries(env()).map(([k, v]) => [k, inRoot(v)]));
    const user = setpriv ? [setpriv, `--reuid=${uid}`, `--regid=${gid ?? uid}`, '--clear-groups', '--'] : [];
    const clean = Object.fromEntries(Object.keys(process.env).map((k) => [k, undefined]));
    run = spawnProcess([...user, ...command], { cwd: '/', env: { ...clean, ...imageEnv, PATH: `${join(root, 'usr/local/bin')}:/usr/bin:/bin` } });
    killWhenTestsEnd(run.proc.pid);
    await run.waitForLog((l) => l.msg === 'gatehouse listening', 30_000, 'gatehouse listening');

    const status = readFileSync(`/proc/${run.proc.pid}/status`, 'utf8');
    const uids = /^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/).map(Number);
    expect(uids.every((u) => u !== 0)).toBe(true);
    if (asRoot) expect(uids[0]).toBe(uid);

    const health = await fetch(`http://127.0.0.1:${ports.admin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${ports.admin}/readyz`)).status).toBe(200);

    // The HEALTHCHECK command as written, aimed at this run's admin port.
    const check = JSON.parse(/CMD\s+(\[.*\])$/.exec(one('HEALTHCHECK').args)![1]!) as string[];
    const probe = Bun.spawnSync([curl, ...check.slice(1).map((a) => a.replace(`:${image.admin}/`, `:${ports.admin}/`))]);
    expect(probe.exitCode).toBe(0);

    // The proxy answers for the config's route: nobody has signed in, so 401 with a JSON error.
    const proxied = await fetch(`http://127.0.0.1:${ports.proxy}/`, { headers: { host: `localhost:${image.proxy}` } });
    expect(proxied.status).toBe(401);
    expect(((await proxied.json()) as { error: string }).error).toBe('unauthenticated');

    run.kill('SIGTERM');
    const code = await Promise.race([run.exited, Bun.sleep(20_000).then(() => 'still running')]);
    expect(code).toBe(0);
    expect(run.logs().some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
  });
});
