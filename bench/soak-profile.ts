import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) this reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  /** µs, on the profiler's clock. */
  startTime: number;
  samples: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

/** A stretch of the run, in ms since the profile started. */
export interface ProfileWindow {
  label: string;
  fromMs: number;
  toMs: number;
}

/** CPU ms by function (self time) in each window: `(idle)` and `(program)` kept apart from JavaScript. */
export function selfTimeByWindow(
  profile: CpuProfile,
  windows: readonly ProfileWindow[],
): Map<string, number>[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = windows.map(() => new Map<string, number>());
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    // A sample stands for the interval up to the next one.
    const weight = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const ms = at / 1000;
    const frame = frames.get(profile.samples[i]!);
    if (frame === undefined) continue;
    const file = frame.url.split('/').slice(-2).join('/');
    const key =
      frame.url === ''
        ? frame.functionName
        : `${frame.functionName || '(anonymous)'} ${file}:${String(frame.lineNumber + 1)}`;
    windows.forEach((window, w) => {
      if (ms >= window.fromMs && ms < window.toMs) totals[w]!.set(key, (totals[w]!.get(key) ?? 0) + weight);
    });
  }
  return totals;
}

/** The one .cpuprofile `--cpu-prof --cpu-prof-dir=<dir>` left in `dir`. */
export function readProfile(dir: string): CpuProfile {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
}

/**
 * Prints, per window, the CPU per minute spent in JavaScript, GC and the rest, then the functions whose
 * self time per minute grew the most from the first window to the last: where a constant load's extra CPU
 * goes as the run ages.
 */
export function printProfileDrift(profile: CpuProfile, windows: readonly ProfileWindow[], top = 25): void {
  const totals = selfTimeByWindow(profile, windows);
  const perMinute = (w: number, key: string): number =>
    (totals[w]!.get(key) ?? 0) / ((windows[w]!.toMs - windows[w]!.fromMs) / 60_000);
  for (const [w, window] of windows.entries()) {
    const all = [...totals[w]!.entries()];
    const sum = (keep: (key: string) => boolean): number =>
      all.filter(([key]) => keep(key)).reduce((s, [, ms]) => s + ms, 0) /
      ((window.toMs - window.fromMs) / 60_000);
    console.log(
      `profile ${window.label}: busy ${sum((k) => k !== '(idle)').toFixed(0)} ms/min — GC ${sum((k) => k === '(garbage collector)').toFixed(0)}, program ${sum((k) => k === '(program)').toFixed(0)}, JavaScript ${sum((k) => !k.startsWith('(')).toFixed(0)}`,
    );
  }
  const first = 0;
  const last = windows.length - 1;
  const keys = new Set([...totals[first]!.keys(), ...totals[last]!.keys()]);
  keys.delete('(idle)');
  const growth = [...keys]
    .map((key) => ({ key, before: perMinute(first, key), after: perMinute(last, key) }))
    .sort((a, b) => b.after - b.before - (a.after - a.before));
  console.log(
    `largest growth of self time, ms per minute, ${windows[first]!.label} → ${windows[last]!.label}:`,
  );
  for (const { key, before, after } of growth.slice(0, top))
    console.log(
      `  ${(after - before).toFixed(1).padStart(7)}  ${before.toFixed(1).padStart(7)} → ${after.toFixed(1).padStart(7)}  ${key}`,
    );
}

// `node --import tsx bench/soak-profile.ts <dir> <from1>-<to1> <from2>-<to2>` (minutes since the profile began).
if (process.argv[1]?.endsWith('soak-profile.ts')) {
  const [dir, ...spans] = process.argv.slice(2);
  if (dir === undefined || spans.length < 2)
    throw new Error('usage: soak-profile.ts <dir> <m1>-<m2> <m3>-<m4>');
  const windows = spans.map((span) => {
    const [from, to] = span.split('-').map(Number) as [number, number];
    return { label: `minutes ${String(from)}–${String(to)}`, fromMs: from * 60_000, toMs: to * 60_000 };
  });
  printProfileDrift(readProfile(dir), windows);
}
