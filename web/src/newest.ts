/**
 * Numbers the requests of one view so that only the newest one's answer is shown: an answer that arrives
 * after a later request was made is stale (the later one shows the state the user asked for last).
 * `const next = newestGate();` once, then per request `const isNewest = next(); await …; if (!isNewest()) return;`
 */
export function newestGate(): () => () => boolean {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}
