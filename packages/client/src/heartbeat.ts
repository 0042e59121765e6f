/** What a job says with a heartbeat: it ran (`up`, default) or failed (`down`), why, and how long it took. */
export interface Heartbeat {
  status?: 'up' | 'down';
  msg?: string;
  /** How long the job took, ms (the monitor's check duration). */
  pingMs?: number;
}

export interface HeartbeatOptions {
  /** Base URL of metrics-service, e.g. http://metrics-service:3000. */
  url: string;
  /** The push monitor's token (`POST /api/health/services/<name>/push-token`); it is the credential. */
  token: string;
  /** Default 5 s. */
  timeoutMs?: number;
}

/**
 * Tells a push monitor that the job ran (`POST /api/push/<token>`). Resolves to whether the service took
 * it, never throws: a cron job's own outcome must not depend on the monitoring being reachable (a missing
 * heartbeat is exactly what the monitor then reports).
 */
export async function heartbeat(options: HeartbeatOptions, beat: Heartbeat = {}): Promise<boolean> {
  const query = new URLSearchParams({ status: beat.status ?? 'up' });
  if (beat.msg !== undefined) query.set('msg', beat.msg);
  if (beat.pingMs !== undefined) query.set('ping', String(Math.max(0, Math.round(beat.pingMs))));
  const base = options.url.replace(/\/+$/, '');
  try {
    const response = await fetch(
      `${base}/api/push/${encodeURIComponent(options.token)}?${query.toString()}`,
      {
        method: 'POST',
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      },
    );
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
