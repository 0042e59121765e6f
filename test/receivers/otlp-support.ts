import type { FastifyInstance } from 'fastify';

export interface ExposedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of /metrics whose name starts with `prefix`, labels parsed (values without escapes). */
export async function exposed(app: FastifyInstance, prefix: string): Promise<ExposedSample[]> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const samples: ExposedSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    const raw = match[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The one sample with this name whose labels include `subset`; fails loudly when there is not one. */
export function pick(
  samples: readonly ExposedSample[],
  name: string,
  subset: Record<string, string> = {},
): ExposedSample {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(subset).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one ${name}${JSON.stringify(subset)}, found ${found.length} among ${JSON.stringify(samples.map((s) => [s.name, s.labels]))}`,
    );
  }
  return found[0]!;
}
