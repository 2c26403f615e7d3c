/**
 * The object hash (the seed's ckpt_obj_hash): every shared object gets one
 * objref the first time it is written; later references are just the objref.
 * Objrefs come from one counter for all object types, in write order.
 */
export type ObjType = 'fdtable' | 'file';

export class ObjHash {
  private next = 1;
  private readonly maps: Record<ObjType, Map<number, number>> = { fdtable: new Map(), file: new Map() };
  private readonly inProgress = new Set<number>();

  lookup(type: ObjType, key: number): number | undefined {
    return this.maps[type].get(key);
  }

  /** Assigns the objref for a new object. */
  add(type: ObjType, key: number): number {
    const ref = this.next++;
    this.maps[type].set(key, ref);
    return ref;
  }

  /** Guards the recursion of dependency writing (an epoll watching an epoll). */
  enter(key: number): boolean {
    if (this.inProgress.has(key)) return false;
    this.inProgress.add(key);
    return true;
  }
  leave(key: number): void {
    this.inProgress.delete(key);
  }
}
