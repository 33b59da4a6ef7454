/**
 * A map of watched objects that survives a watch breaking: between `beginResync` and `endResync`
 * the re-list marks what it brings back (`seen`), and `endResync` drops the rest, so nothing that
 * was deleted while the watch was down stays on screen.
 */
export class ResyncMap<V> extends Map<string, V> {
  private seenSinceResync: Set<string> | undefined;

  /** Marks a key as brought back by the current re-list (a no-op outside one). */
  seen(key: string): void {
    this.seenSinceResync?.add(key);
  }

  beginResync(): void {
    this.seenSinceResync = new Set();
  }

  /** Drops every entry the re-list did not bring back; returns how many. */
  endResync(): number {
    const seen = this.seenSinceResync;
    this.seenSinceResync = undefined;
    if (!seen) return 0;
    let dropped = 0;
    for (const key of [...this.keys()]) {
      if (!seen.has(key)) {
        this.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}
