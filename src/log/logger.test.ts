import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOGGER = join(import.meta.dir, 'logger.ts');

/** Runs `body` in a child Bun with `sink = createFdSink(1)` in scope; returns its stdout. */
async function childOutput(body: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sink-'));
  const file = join(dir, 'child.ts');
  writeFileSync(file, `import { createFdSink } from ${JSON.stringify(LOGGER)};\nconst sink = createFdSink(1);\n${body}\n`);
  const child = Bun.spawn([process.execPath, file], { stdout: 'pipe', stderr: 'inherit' });
  const out = await new Response(child.stdout).text();
  await child.exited;
  return out;
}

describe('the fd sink', () => {
  test('batched lines all arrive, in order, past the 64 KiB threshold and on flush()', async () => {
    const out = await childOutput(`for (let i = 0; i < 20000; i++) sink.write('line ' + i + '\\n');\nsink.flush();`);
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBe(20000);
    expect(lines[0]).toBe('line 0');
    expect(lines[19999]).toBe('line 19999');
    expect(lines.every((l, i) => l === `line ${i}`)).toBe(true);
  });

  test('lines still gathered when the process exits are written, not lost', async () => {
    const out = await childOutput(`sink.write('last words\\n');\nprocess.exit(3);`);
    expect(out).toBe('last words\n');
  });

  test('a few lines go out on the timer, without an explicit flush', async () => {
    const out = await childOutput(`sink.write('a\\n');\nsink.write('b\\n');\nawait Bun.sleep(300);\nprocess.exit(0);`);
    expect(out).toBe('a\nb\n');
  });
});
