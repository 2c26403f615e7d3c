/**
 * The object hash (the seed's ckpt_obj_hash): every shared object gets one
 * objref the first time it is written; later references are just the objref.
 * Objrefs come from one counter for all object types, in write order.
 */
import { RefMap } from './ref-map.js';

export type ObjType = 'fdtable' | 'file';

export class ObjHash {
  private next = 1;
  private readonly maps: Record<ObjType, RefMap<number>>;
  private readonly inProgress = new Set<number>();

  /** `expected` is about how many objects there are: it sizes the dense part. */
  constructor(expected: number) {
    const limit = 4 * expected + 1024;
    this.maps = { fdtable: new RefMap(limit), file: new RefMap(limit, expected + 1024) };
  }

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
