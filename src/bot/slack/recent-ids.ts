/**
 * Remembers the last few ids seen, so an event Slack delivers twice (it retries when an acknowledgement is late
 * or lost) starts one command, not two.
 */
export interface RecentIds {
  /** True when `id` was seen before; otherwise records it and returns false. */
  seenBefore(id: string): boolean;
}

/** A bounded set: past `capacity` ids, the oldest is forgotten (a Set iterates in insertion order). */
export function createRecentIds(capacity = 1000): RecentIds {
  const ids = new Set<string>();
  return {
    seenBefore(id: string): boolean {
      if (ids.has(id)) return true;
      ids.add(id);
      if (ids.size > capacity) {
        const oldest = ids.values().next();
        if (!oldest.done) ids.delete(oldest.value);
      }
      return false;
    },
  };
}
