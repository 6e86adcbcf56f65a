/**
 * Item ids to dense indices and back, for one workspace: the recommenders work on integers,
 * the catalog and the API on ids. Indices are given in order of first sight and never reused
 * while the process lives (a deleted item keeps its index: its counts are still in the state).
 */
export class ItemIds {
  private readonly byId = new Map<string, number>();
  private readonly list: string[] = [];

  get size(): number {
    return this.list.length;
  }

  /** The index of an id, given one if it has none yet. */
  index(id: string): number {
    let i = this.byId.get(id);
    if (i === undefined) {
      i = this.list.length;
      this.byId.set(id, i);
      this.list.push(id);
    }
    return i;
  }

  /** The index of an id already seen, or undefined (a lookup never adds). */
  find(id: string): number | undefined {
    return this.byId.get(id);
  }

  id(index: number): string {
    const id = this.list[index];
    if (id === undefined) throw new RangeError(`no item has index ${index}`);
    return id;
  }
}
