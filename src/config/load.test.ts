import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { loadConfigFile, loadConfigText } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Writes `yaml` (and `files`) into the temp folder and returns the config's path. */
function write(yaml: string, files: Record<string, string> = {}): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const file = join(dir, `config-${++counter}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** The problems a config produces; fails the test when it loads. */
function problemsOf(yaml: string, env: Record<string, string> = {}, files: Record<string, string> = {}): { file: string; problems: ConfigProblem[]; message: string } {
  const file = write(yaml, files);
  try {
    loadConfigFile(file, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { file, problems: (error as ConfigError).problems, message: (error as Error).message };
  }
  throw new Error('expected the config to be refused');
}

const ROUTE = `routes:
  - from: https://api.example.test
    to: http://127.0.0.1:9000
`;

describe('a valid config', () => {
  test('loads into one typed object with the documented defaults', () => {
    const { config, file, dir: configDir } = loadConfigFile(write(ROUTE), {});
    expect(file).toStartWith(dir);
    expect(configDir).toBe(dir);
    expect(config.listen).toEqual({ hostname: '0.0.0.0', port: 8080 });
    expect(config.workers).toBe(1);
    expect(config.shutdown_timeout).toBe(10_000);
    expect(config.session.cookie_name).toBe('_gatehouse');
    expect(config.session.ttl).toBe(14 * 3_600_000);
    const route = config.routes[0]!;
    expect(route).toMatchObject({ from: 'https://api.example.test', to: 'http://127.0.0.1:9000', prefix: '/', timeout: 30_000, preserve_host_header: false });
    expect(route.plugins).toEqual([]);
  });

  test('durations in the config become milliseconds', () => {
    const { config } = loadConfigText(
      `shutdown_timeout: 500ms
session: { ttl: 1h30m }
routes:
  - from: https://api.example.test
    to: [http://127.0.0.1:9000, http://127.0.0.1:9001]
    timeout: 2s
`,
      '/virtual/gatehouse.yaml',
      {},
    );
    expect(config.shutdown_timeout).toBe(500);
    expect(config.session.ttl).toBe(5_400_000);
    expect(config.routes[0]!.timeout).toBe(2000);
    expect(config.routes[0]!.to).toEqual(['http://127.0.0.1:9000', 'http://127.0.0.1:9001']);
  });
});

describe('errors name file, line, column and key path', () => {
  test('an unknown key, with a "did you mean" suggestion', () => {
    const { file, problems, message } = problemsOf(`routes:
  - from: https://api.example.test
    to: http://127.0.0.1:9000
    timout: 5s
`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({
      file,
      line: 4,
      column: 5,
      path: 'routes[0].timout',
      message: 'unknown key "timout"; did you mean "timeout"?',
    });
    expect(message).toBe(`${file}:4:5: routes[0].timout: unknown key "timout"; did you mean "timeout"?`);
  });

  test('an unknown top-level key suggests the top-level key', () => {
    const { problems } = problemsOf(`sesion: { ttl: 1h }\n${ROUTE}`);
    expect(problems[0]).toMatchObject({ line: 1, column: 1, path: 'sesion', message: 'unknown key "sesion"; did you mean "session"?' });
  });

  test('an unknown key deep in the tree suggests from that level only', () => {
    const { problems } = problemsOf(`routes:
  - from: https://api.example.test
    to: http://127.0.0.1:9000
    policy:
      allow:
        email: [a@example.test]
`);
    expect(problems[0]).toMatchObject({ line: 6, column: 9, path: 'routes[0].policy.allow.email', message: 'unknown key "email"; did you mean "emails"?' });
  });

  test('an unknown key with nothing close lists the keys valid at that place', () => {
    const { problems } = problemsOf(`${ROUTE}colour_scheme: dark\n`);
    expect(problems[0]).toMatchObject({ line: 4, column: 1, path: 'colour_scheme' });
    expect(problems[0]!.message).toStartWith('unknown key "colour_scheme"; valid keys here: listen, tls, workers, ');
    expect(problems[0]!.message).toEndWith(', routes');
  });

  test('a short unknown key is not taken for a typo of a short valid one', () => {
    const { problems } = problemsOf(`${ROUTE}    foo: 1\n`);
    expect(problems[0]).toMatchObject({ line: 4, column: 5, path: 'routes[0].foo' });
    expect(problems[0]!.message).toStartWith('unknown key "foo"; valid keys here: from, prefix, path, regex, prefix_rewrite, regex_rewrite, to, policy, ');
  });

  test('a misspelt prefix: suggests prefix:', () => {
    const { problems } = problemsOf(`${ROUTE}    prefx: /api\n`);
    expect(problems[0]).toMatchObject({ path: 'routes[0].prefx', message: 'unknown key "prefx"; did you mean "prefix"?' });
  });

  test('a from with a path says to move the path to prefix:', () => {
    const { problems } = problemsOf(`routes:\n  - from: https://app.test/api/\n    to: http://127.0.0.1:9000\n`);
    expect(problems[0]).toMatchObject({ line: 2, column: 5, path: 'routes[0].from', message: 'from takes no path; write from: https://app.test and prefix: /api' });
  });

  test('a from with a trailing slash or a query says what to drop', () => {
    const slash = problemsOf(`routes:\n  - from: https://app.test:8443/\n    to: http://127.0.0.1:9000\n`).problems[0]!.message;
    expect(slash).toEndWith('drop the trailing slash: from: https://app.test:8443');
    const query = problemsOf(`routes:\n  - from: https://app.test?x=1\n    to: http://127.0.0.1:9000\n`).problems[0]!.message;
    expect(query).toEndWith('drop "?x=1"');
    // No fix is offered that would itself be refused.
    const userinfo = problemsOf(`routes:\n  - from: https://me@app.test/api\n    to: http://127.0.0.1:9000\n`).problems[0]!.message;
    expect(userinfo).toStartWith('expected scheme and host like');
    expect(userinfo).not.toContain('prefix');
  });

  test('a wrong value points at its key', () => {
    const { problems } = problemsOf(`routes:
  - from: https://api.example.test
    to: http://127.0.0.1:9000
  - from: https://other.example.test
    to: http://127.0.0.1:9000
    timeout: fast
`);
    expect(problems[0]).toMatchObject({ line: 6, column: 5, path: 'routes[1].timeout' });
    expect(problems[0]!.message).toContain('"fast" is not a duration');
  });

  test('every problem is reported, not only the first', () => {
    const { problems } = problemsOf(`listen: "not an address"
routes:
  - from: https://api.example.test/with/path
    to: ftp://nowhere
`);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.path}`)).toEqual(['1:1 listen', '3:5 routes[0].from', '4:5 routes[0].to']);
  });

  test('a missing required key is named', () => {
    const { problems } = problemsOf(`routes:\n  - from: https://api.example.test\n`);
    expect(problems[0]).toMatchObject({ line: 2, column: 5, path: 'routes[0].to' });
    expect(problems[0]!.message).toContain('missing required key');
  });

  test('YAML syntax errors are located', () => {
    const { problems } = problemsOf(`routes:\n  - from: https://api.example.test\n    to: [http://127.0.0.1:9000\n`);
    expect(problems[0]!.line).toBeGreaterThan(0);
    expect(problems[0]!.message).toStartWith('YAML:');
  });

  test('a key given twice is an error', () => {
    const { problems } = problemsOf(`listen: ":1"\nlisten: ":2"\n${ROUTE}`);
    expect(problems[0]!.line).toBe(2);
    expect(problems[0]!.message).toContain('YAML:');
  });

  test('an unreadable file is reported with its path', () => {
    const missing = join(dir, 'does-not-exist.yaml');
    expect(() => loadConfigFile(missing, {})).toThrow(`${missing}:0:0: cannot read config`);
  });
});

describe('${VAR} from the environment', () => {
  const yaml = `routes:
  - from: https://api.example.test
    to: \${UPSTREAM}
    set_request_headers:
      X-Api-Key: "key-\${API_KEY}"
`;

  test('is substituted into any string', () => {
    const { config } = loadConfigFile(write(yaml), { UPSTREAM: 'http://127.0.0.1:7000', API_KEY: 's3cret' });
    expect(config.routes[0]!.to).toBe('http://127.0.0.1:7000');
    expect(config.routes[0]!.set_request_headers).toEqual({ 'X-Api-Key': 'key-s3cret' });
  });

  test('a missing variable is an error naming it, at its key', () => {
    const { problems } = problemsOf(yaml, { UPSTREAM: 'http://127.0.0.1:7000' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 5, column: 7, path: 'routes[0].set_request_headers.X-Api-Key', message: 'environment variable API_KEY is not set' });
  });

  test('the environment given to the loader is used, not another one', () => {
    process.env.GATEHOUSE_TEST_ONLY_IN_PROCESS = 'x';
    try {
      const { problems } = problemsOf(`routes:\n  - from: https://api.example.test\n    to: http://127.0.0.1:1\n    set_request_headers: { A: "\${GATEHOUSE_TEST_ONLY_IN_PROCESS}" }\n`);
      expect(problems[0]!.message).toContain('GATEHOUSE_TEST_ONLY_IN_PROCESS');
    } finally {
      delete process.env.GATEHOUSE_TEST_ONLY_IN_PROCESS;
    }
  });
});

describe('*_file keys read secrets from files', () => {
  test('X_file: path becomes X: contents (relative to the config, final newline dropped)', () => {
    const file = write(
      `session:
  signing_key_file: keys/signing.pem
tls: { cert_file: cert.pem, key_file: "\${KEY_PATH}" }
${ROUTE}`,
      { 'cert.pem': 'CERT-CONTENTS\n', 'tls-key.pem': 'KEY-CONTENTS\n' },
    );
    const keys = join(dir, 'keys');
    require('node:fs').mkdirSync(keys, { recursive: true });
    writeFileSync(join(keys, 'signing.pem'), 'SIGNING\nKEY\n');
    const { config } = loadConfigFile(file, { KEY_PATH: join(dir, 'tls-key.pem') });
    expect(config.session.signing_key).toBe('SIGNING\nKEY');
    expect(config.tls).toEqual({ cert: 'CERT-CONTENTS', key: 'KEY-CONTENTS' });
  });

  test('a file that cannot be read is an error at the _file key', () => {
    const { problems } = problemsOf(`session:\n  signing_key_file: nowhere.pem\n${ROUTE}`);
    expect(problems[0]).toMatchObject({ line: 2, column: 3, path: 'session.signing_key_file' });
    expect(problems[0]!.message).toContain(join(dir, 'nowhere.pem'));
    expect(problems[0]!.message).toContain('ENOENT');
  });

  test('setting both X and X_file is refused', () => {
    const { problems } = problemsOf(`session:\n  signing_key: inline\n  signing_key_file: key.pem\n${ROUTE}`, {}, { 'key.pem': 'k' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 3, column: 3, path: 'session.signing_key_file', message: 'set either "signing_key" or "signing_key_file", not both' });
  });

  test('an invalid value read from a file is located at the _file key', () => {
    const { problems } = problemsOf(`tls: { cert_file: cert.pem, key_file: key.pem, extra_file: x.txt }\n${ROUTE}`, {}, { 'cert.pem': 'c', 'key.pem': 'k', 'x.txt': 'x' });
    expect(problems[0]).toMatchObject({ line: 1, path: 'tls.extra' });
    expect(problems[0]!.message).toContain('unknown key "extra"');
  });
});

describe('top-level x- keys', () => {
  test('are ignored, so they can hold anchors that routes reuse (also with << merges)', () => {
    const { config, raw } = loadConfigText(
      `x-upstream: &upstream http://127.0.0.1:9000
x-cors: &cors { use: preflight, allow_origins: [https://app.example.test] }
x-unused: { anything: "\${NOT_SET}", secret_file: nowhere.pem }
routes:
  - from: https://api.example.test
    to: *upstream
    plugins: [*cors]
  - from: https://other.example.test
    to: *upstream
    plugins:
      - <<: *cors
        allow_credentials: true
`,
      '/virtual/gatehouse.yaml',
      {},
    );
    expect(Object.keys(raw)).toEqual(['routes']);
    expect(config.routes.map((r) => r.to)).toEqual(['http://127.0.0.1:9000', 'http://127.0.0.1:9000']);
    expect(config.routes[0]!.plugins).toEqual([{ use: 'preflight', allow_origins: ['https://app.example.test'] }]);
    expect(config.routes[1]!.plugins).toEqual([{ use: 'preflight', allow_origins: ['https://app.example.test'], allow_credentials: true }]);
  });

  test('anywhere else an x- key is an unknown key, saying x- is only ignored at the top level', () => {
    const { problems } = problemsOf(`${ROUTE}    x-note: hello\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 4, column: 5, path: 'routes[0].x-note', message: 'unknown key "x-note"; x- keys are ignored only at the top level of the config' });
  });
});
