/**
 * Prints where a CPU profile's time went: the top functions by self time (time with that function
 * on top of the stack), each with its total time (on the stack at all), and the files by self time.
 *   bun bench/profile-summary.ts FILE.cpuprofile [--top 30] [--requests N] [--from US --to US]
 * --from/--to (microseconds since the epoch, like `date +%s%6N`) keep only the samples taken in
 * that window, e.g. the measured load without start-up; with --requests (the requests served in
 * the window) each line also shows µs per request.
 * Paths under the repository are shown relative to it; Bun's own code shows as native or builtin.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : undefined;
};
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top 30] [--requests N]');
const top = option('--top') ?? 30;
const requests = option('--requests');
const fromUs = option('--from') ?? -Infinity;
const toUs = option('--to') ?? Infinity;
const root = resolve(import.meta.dir, '..');

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

/** A short, stable name for where a function lives. */
function where(frame: CallFrame): string {
  let url = frame.url;
  if (url === '') return 'native';
  try {
    if (url.startsWith('file://')) url = decodeURIComponent(new URL(url).pathname);
  } catch {
    // keep the raw url
  }
  if (url.startsWith(`${root}/`)) url = url.slice(root.length + 1);
  // Line numbers in a profile are 0-based.
  return frame.lineNumber >= 0 ? `${url}:${frame.lineNumber + 1}` : url;
}
function fileOf(frame: CallFrame): string {
  return where(frame).replace(/:\d+$/, '');
}
const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const child of node.children ?? []) parent.set(child, node.id);
}
const rootId = profile.nodes.find((n) => n.callFrame.functionName === '(root)')?.id;
// An unnamed native frame right under the root is time outside any JS call: the event loop,
// sockets, Bun's HTTP parsing and writing, GC.
const OUTSIDE_JS = '(outside JS: event loop, I/O, Bun internals)';
const keyOfNode = (node: ProfileNode) =>
  node.callFrame.functionName === '' && node.callFrame.url === '' && parent.get(node.id) === rootId
    ? OUTSIDE_JS
    : `${node.callFrame.functionName || '(anonymous)'}  ${where(node.callFrame)}`;

// Each sample's time is the delta to the next sample (the usual reading of timeDeltas).
const selfUs = new Map<string, number>();
const totalUs = new Map<string, number>();
const fileSelfUs = new Map<string, number>();
let sampledUs = 0;
let samples = 0;
const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
// Sample i was taken at startTime + timeDeltas[0..i]; its time is the delta to the next sample.
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  const us = profile.timeDeltas[i + 1] ?? 0;
  const node = byId.get(profile.samples[i]!);
  if (!node || us <= 0 || at < fromUs || at > toUs) continue;
  samples++;
  sampledUs += us;
  add(selfUs, keyOfNode(node), us);
  add(fileSelfUs, keyOfNode(node) === OUTSIDE_JS ? OUTSIDE_JS : fileOf(node.callFrame), us);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const frameNode = byId.get(id)!;
    if (id === rootId) break;
    const key = keyOfNode(frameNode);
    if (seen.has(key)) continue; // recursion counts once
    seen.add(key);
    add(totalUs, key, us);
  }
}

const wallUs = Math.min(profile.endTime, toUs) - Math.max(profile.startTime, fromUs);
const pct = (us: number) => `${((100 * us) / (sampledUs || 1)).toFixed(1)}%`.padStart(6);
const ms = (us: number) => `${(us / 1000).toFixed(1)}`.padStart(8);
const perRequest = (us: number) => (requests && requests > 0 ? `${(us / requests).toFixed(2)}`.padStart(8) : '');

console.log(
  `profile: ${samples} samples, ${(sampledUs / 1000).toFixed(0)} ms of the JS thread sampled (busy or idle) over ${(wallUs / 1e6).toFixed(1)} s` +
    (requests ? `; ${requests} requests served, so ${(sampledUs / requests).toFixed(1)} µs sampled per request` : ''),
);
console.log('(self = the function itself on top of the stack; total = anywhere on the stack; % of sampled time)');
console.log('');
const head = `${'self ms'.padStart(8)} ${'self'.padStart(6)} ${'total'.padStart(6)}${requests ? ` ${'µs/req'.padStart(8)}` : ''}  function  where`;
console.log(`top ${top} functions by self time:`);
console.log(head);
for (const [key, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)} ${pct(us)} ${pct(totalUs.get(key) ?? us)}${requests ? ` ${perRequest(us)}` : ''}  ${key}`);
}
console.log('');
console.log('files by self time:');
for (const [name, us] of [...fileSelfUs].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`${ms(us)} ${pct(us)}${requests ? ` ${perRequest(us)}` : ''}  ${name}`);
}
