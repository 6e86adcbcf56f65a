import { describe, expect, it } from 'vitest';
import { RecencyTable, type Recent } from './RecencyTable.js';

const entry = (workspaceId: string, id: string): Recent => ({ workspaceId, id, used: 0 });

describe('RecencyTable', () => {
  it('walks every workspace least recently used first, a touch moving an entry last', () => {
    const table = new RecencyTable<Recent>();
    const [a1, b1, a2, b2] = [entry('a', '1'), entry('b', '1'), entry('a', '2'), entry('b', '2')];
    for (const e of [a1, b1, a2, b2]) table.set(e);
    table.touch(a1);
    expect([...table.byRecency()]).toEqual([b1, a2, b2, a1]);
    expect(table.get('b', '1')).toBe(b1);
    expect(table.get('c', '1')).toBeUndefined();
    expect(table.size).toBe(4);
  });

  it('deletes while walking, and forgets a workspace whole', () => {
    const table = new RecencyTable<Recent>();
    const entries = ['1', '2', '3'].flatMap((id) => [entry('a', id), entry('b', id)]);
    for (const e of entries) table.set(e);
    for (const e of table.byRecency()) if (e.id !== '3') table.delete(e);
    expect([...table.byRecency()].map((e) => `${e.workspaceId}/${e.id}`)).toEqual(['a/3', 'b/3']);
    table.deleteWorkspace('a');
    expect(table.size).toBe(1);
    expect(table.has('a', '3')).toBe(false);
    expect([...table.workspace('b')]).toEqual([entries[5]]);
  });
});
