import type { ReactNode } from 'react';
import { Button } from 'react-aria-components';
import type { MeView } from './AdminClient.js';
import { gate } from './permissionGate.js';
import { studioBase, studioPages } from './studioPages.js';

export interface ShellProps {
  readonly me: MeView;
  readonly path: string;
  readonly navigate: (path: string) => void;
  readonly onSignOut: () => void;
  readonly children: ReactNode;
}

const isCurrent = (pagePathValue: string, path: string) => (pagePathValue === '/' ? path === '/' : path === pagePathValue || path.startsWith(`${pagePathValue}/`));

/**
 * The frame of every page: a skip link, the navigation, who is signed in with which role, and
 * sign-out. A page the role may not open stays in the list, not a link, with the reason, so
 * a person learns what they could ask for instead of wondering where it went.
 */
export function Shell({ me, path, navigate, onSignOut, children }: ShellProps) {
  const who = me.user?.email ?? me.actor.id;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">Attune studio</span>
        <span className="workspace" title="Workspace">{me.workspace.name}</span>
        <span className="who">
          <span data-testid="signed-in-user">{who}</span>
          <span className="role" data-testid="signed-in-role">{me.actor.role}</span>
        </span>
        <Button className="secondary" onPress={onSignOut}>Sign out</Button>
      </header>
      <nav aria-label="Studio">
        <ul>
          {studioPages.map((page) => {
            const allowed = gate(me.permissions, page.permission);
            const href = `${studioBase}${page.path === '/' ? '' : page.path}`;
            return (
              <li key={page.path}>
                {allowed.allowed ? (
                  <a
                    href={href}
                    aria-current={isCurrent(page.path, path) ? 'page' : undefined}
                    onClick={(event) => {
                      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                      event.preventDefault();
                      navigate(page.path);
                    }}
                  >{page.label}</a>
                ) : (
                  <span className="unavailable" aria-disabled="true">
                    {page.label}
                    <span className="reason">{allowed.reason}</span>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>{children}</main>
    </div>
  );
}
