/**
 * Runs `work` at most once at a time and at most once per `quietMs`: calls while it runs or waits are
 * folded into one more run after it. A burst of socket events (500 services registered, each one a
 * `health` event) then costs two reloads of the lists, not 500 × 5 requests that exhaust the browser.
 */
export function coalesce(work: () => Promise<void>, quietMs = 250): () => void {
  let running = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (): void => {
    timer = undefined;
    running = true;
    again = false;
    void work().finally(() => {
      running = false;
      if (again) schedule();
    });
  };
  const schedule = (): void => {
    if (running) {
      again = true;
      return;
    }
    timer ??= setTimeout(run, quietMs);
  };
  return schedule;
}
