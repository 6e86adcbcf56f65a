import { describe, expect, it } from 'vitest';
import { currentCaller, runAs, runAsSystem } from './callerContext.js';

const alice = { actor: () => ({ kind: 'cli' as const, id: 'alice' }), origin: { via: 'cli' as const } };

describe('the caller context', () => {
  it('is the system outside any request or command', () => {
    expect(currentCaller()).toEqual({ actor: { kind: 'system', id: 'attune' }, origin: { via: 'job' } });
  });

  it('follows the work it wraps across awaits, timers and work started without waiting', async () => {
    const seen: string[] = [];
    let background: Promise<void> = Promise.resolve();
    await runAs(alice, async () => {
      await Promise.resolve();
      seen.push(currentCaller().actor.id);
      await new Promise<void>((resolve) => setTimeout(() => { seen.push(currentCaller().actor.id); resolve(); }, 1));
      background = (async () => { await new Promise((resolve) => setTimeout(resolve, 5)); seen.push(currentCaller().actor.id); })();
    });
    expect(currentCaller().actor.kind).toBe('system');
    await background;
    expect(seen).toEqual(['alice', 'alice', 'alice']);
  });

  it('reads the actor when asked, so a request authenticated later names its key', async () => {
    let actor = { kind: 'system' as const, id: 'unauthenticated' } as { kind: 'system' | 'key'; id: string };
    await runAs({ actor: () => actor, origin: { via: 'api' } }, async () => {
      actor = { kind: 'key', id: 'key_1' };
      await Promise.resolve();
      expect(currentCaller().actor).toEqual({ kind: 'key', id: 'key_1' });
    });
  });

  it('keeps two concurrent callers apart, and runAsSystem leaves the caller', async () => {
    const bob = { actor: () => ({ kind: 'cli' as const, id: 'bob' }), origin: { via: 'cli' as const } };
    const ids = await Promise.all([alice, bob].map((caller) => runAs(caller, async () => {
      await new Promise((resolve) => setTimeout(resolve, caller === alice ? 5 : 1));
      return [currentCaller().actor.id, runAsSystem(() => currentCaller().actor.id)];
    })));
    expect(ids).toEqual([['alice', 'attune'], ['bob', 'attune']]);
  });
});
