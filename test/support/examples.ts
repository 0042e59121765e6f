import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Example {
  child: ChildProcess;
  url: string;
}

/** Starts an example app (it imports @metrics-service/client by name: its built exports are used). */
export async function startExample(file: string, env: Record<string, string> = {}): Promise<Example> {
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdout.setEncoding('utf8');
  while (!/listening \d+/.test(output)) {
    const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [
      string | number,
    ];
    if (typeof chunk !== 'string') throw new Error(`${file} exited: ${output}`);
    output += chunk;
  }
  return { child, url: `http://127.0.0.1:${/listening (\d+)/.exec(output)![1]!}` };
}
