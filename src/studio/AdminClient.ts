import type { Static } from 'typebox';
import type { Me, SignedIn } from '../api/accessSchemas.js';

/** A problem+json answer of the admin API (docs/errors.md): its stable code, status and detail. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly permission: string | null,
    /** The whole problem document: members a caller reads by code (a rule fault's `line`, `column`, `caret`). */
    readonly body: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }
}

export type MeView = Static<typeof Me>;
export type SignedInView = Static<typeof SignedIn>;

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Where the CSRF token of this tab's session is kept: a reload keeps it, another tab signs in anew. */
const csrfKey = 'attune.studio.csrf';

/**
 * The studio's one door to the server: the public admin API under /admin/v1, with the session
 * cookie the browser sends by itself (HttpOnly, so no script here can read it) and, on every
 * write, the session's CSRF token in X-Attune-CSRF, as docs/access.md requires.
 */
export class AdminClient {
  /** Called when a request made while signed in answers 401: the session ended (expired, signed out elsewhere). */
  onSessionEnded: () => void = () => undefined;

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) {}

  async signIn(workspaceId: string, email: string, password: string): Promise<SignedInView> {
    const signedIn = await this.request<SignedInView>('POST', '/admin/v1/sessions', { workspaceId, email, password });
    this.storage.setItem(csrfKey, signedIn.csrfToken);
    return signedIn;
  }

  /** Accepts an invitation (its token is the credential) by choosing a password; then the person signs in. */
  async acceptInvitation(token: string, password: string): Promise<void> {
    await this.request<unknown>('POST', '/admin/v1/invitations/accept', { token, password });
  }

  async signOut(): Promise<void> {
    try {
      await this.request<null>('DELETE', '/admin/v1/sessions/current');
    } finally {
      this.storage.removeItem(csrfKey);
    }
  }

  /** Who the session is, or null without one (401). */
  async me(): Promise<MeView | null> {
    try {
      return await this.get<MeView>('/admin/v1/me');
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) return null;
      throw error;
    }
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = this.storage.getItem(csrfKey);
    if (unsafe.has(method) && csrf !== null) headers['x-attune-csrf'] = csrf;
    const response = await fetch(path, {
      method, headers, credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 204) return null as T;
    const text = await response.text();
    const parsed: unknown = text.length === 0 ? null : JSON.parse(text);
    if (!response.ok) {
      // /me and the session routes answer 401 as part of signing in and out; elsewhere it means the session is gone.
      if (response.status === 401 && !path.startsWith('/admin/v1/me') && !path.startsWith('/admin/v1/sessions')) this.onSessionEnded();
      throw problemOf(response.status, parsed);
    }
    return parsed as T;
  }
}

function problemOf(status: number, body: unknown): ApiProblem {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (key: string) => (typeof problem[key] === 'string' ? problem[key] as string : null);
  return new ApiProblem(status, text('code') ?? `HTTP_${status}`, text('detail') ?? text('title') ?? `the server answered ${status}`, text('permission'), problem);
}
