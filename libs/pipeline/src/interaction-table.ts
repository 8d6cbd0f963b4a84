// Growable typed-array columns of streamed interaction chunks: the one in-memory copy of the training events.
import type { InteractionChunk } from '@cascade/db';
import type { RatingsColumns } from '@cascade/recall';

/** Growable copies of the streamed chunks' columns (the recall lib takes them as event-typed ratings). */
export class InteractionTable {
  userIds = new Int32Array(4096);
  itemIds = new Int32Array(4096);
  types = new Uint8Array(4096);
  values = new Float32Array(4096);
  occurredAt = new Float64Array(4096);
  length = 0;

  append(chunk: InteractionChunk): void {
    const need = this.length + chunk.length;
    if (need > this.userIds.length) {
      const size = Math.max(need, this.userIds.length * 2);
      const grow = <T extends Int32Array | Uint8Array | Float32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(size);
        b.set(a);
        return b;
      };
      this.userIds = grow(this.userIds);
      this.itemIds = grow(this.itemIds);
      this.types = grow(this.types);
      this.values = grow(this.values);
      this.occurredAt = grow(this.occurredAt);
    }
    this.userIds.set(chunk.userIds.subarray(0, chunk.length), this.length);
    this.itemIds.set(chunk.itemIds.subarray(0, chunk.length), this.length);
    this.types.set(chunk.types.subarray(0, chunk.length), this.length);
    this.values.set(chunk.values.subarray(0, chunk.length), this.length);
    this.occurredAt.set(chunk.occurredAt.subarray(0, chunk.length), this.length);
    this.length = need;
  }

  columns(): RatingsColumns {
    const n = this.length;
    return {
      length: n,
      userIds: this.userIds.subarray(0, n),
      itemIds: this.itemIds.subarray(0, n),
      types: this.types.subarray(0, n),
      values: this.values.subarray(0, n),
      occurredAt: this.occurredAt.subarray(0, n),
    };
  }
}
