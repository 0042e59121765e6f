// Loaded with `--import` through NODE_OPTIONS (which Node 20 refuses `--cpu-prof` in): profiles the whole
// process and writes a V8 .cpuprofile into CPU_PROFILE_DIR when it exits. The in-thread inspector session
// answers synchronously, so this works in the 'exit' handler.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.CPU_PROFILE_DIR;
if (dir !== undefined) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error === null)
        writeFileSync(join(dir, `service-${String(process.pid)}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
