/**
 * The page's login: the access token and refresh token live in sessionStorage (this tab only, gone when
 * it closes; never a cookie, so no cross-site request can use them). Every API call goes through
 * authorizedFetch, which refreshes an expired access token once and otherwise asks to log in again.
 */
const ACCESS = 'metrics-service.access';
const REFRESH = 'metrics-service.refresh';
const USER = 'metrics-service.user';

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  user: { name: string; role: string };
  /** The role requires TOTP and this person has none yet: the session may only enrol. */
  enrolmentRequired?: true;
}

export class LoginRequired extends Error {}

/** The account has two-factor authentication: ask for the code and log in again with it. */
export class SecondFactorRequired extends Error {}
const ENROL = 'metrics-service.enrolment-required';

function store(result: LoginResult): void {
  sessionStorage.setItem(ACCESS, result.accessToken);
  sessionStorage.setItem(REFRESH, result.refreshToken);
  sessionStorage.setItem(USER, `${result.user.name} (${result.user.role})`);
  if (result.enrolmentRequired === true) sessionStorage.setItem(ENROL, 'true');
  else sessionStorage.removeItem(ENROL);
}

/** Takes over the session the service handed back (after enrolling TOTP, which ends the earlier ones). */
export function adopt(result: LoginResult): void {
  store(result);
}

/** Whether this session may only enrol a second factor (TOTP_REQUIRED_ROLES). */
export function enrolmentRequired(): boolean {
  return sessionStorage.getItem(ENROL) === 'true';
}

export function accessToken(): string | undefined {
  return sessionStorage.getItem(ACCESS) ?? undefined;
}

export function userLabel(): string | undefined {
  return sessionStorage.getItem(USER) ?? undefined;
}

/**
 * Logs in; the problem's detail (wrong password or code, too many attempts) is the thrown message, and an
 * account with two-factor authentication and no code sent throws SecondFactorRequired.
 */
export async function login(username: string, password: string, code?: string): Promise<void> {
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, ...(code === undefined ? {} : { code }) }),
  });
  if (!response.ok) {
    const problem = (await response.json()) as { code?: string; detail?: string };
    if (problem.code === 'totp_required') throw new SecondFactorRequired(problem.detail);
    throw new Error(problem.detail ?? 'login failed');
  }
  store((await response.json()) as LoginResult);
}

let refreshing: Promise<boolean> | undefined;

/** Trades the refresh token for a new pair; false when there is none or it is no longer accepted. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = sessionStorage.getItem(REFRESH);
    if (refreshToken === null) return false;
    const response = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    if (!response.ok) {
      forget();
      return false;
    }
    store((await response.json()) as LoginResult);
    return true;
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

export function forget(): void {
  for (const key of [ACCESS, REFRESH, USER, ENROL]) sessionStorage.removeItem(key);
}

export async function logout(): Promise<void> {
  const refreshToken = sessionStorage.getItem(REFRESH);
  forget();
  if (refreshToken !== null)
    await fetch('/api/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
}

/** fetch with the access token; one refresh on a 401, then LoginRequired. */
export async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const attempt = (): Promise<Response> => {
    const token = accessToken();
    return fetch(path, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    });
  };
  let response = await attempt();
  if (response.status === 401 && (await refresh())) response = await attempt();
  if (response.status === 401) throw new LoginRequired();
  return response;
}
