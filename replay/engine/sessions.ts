// The sessions a run has admitted, by the ID it sends. An entry lives while later steps of its
// session may still come: until the recording marks its last step, or to the end of the run.
import type { Session } from './types.ts';
import type { RunStats } from './stats.ts';

export class SessionTable {
  private readonly map = new Map<string, Session>();

  constructor(private readonly stats: RunStats) {}

  get size(): number {
    return this.map.size;
  }

  get(id: string): Session | undefined {
    return this.map.get(id);
  }

  start(id: string, kind: string): Session {
    const s: Session = { id, kind, busy: false, failed: false, ended: false, queue: undefined };
    this.map.set(id, s);
    this.stats.sessionStarted(kind);
    return s;
  }

  /** Forgets a session once its last step answered (or it failed and its last step was read). */
  forget(s: Session): void {
    this.map.delete(s.id);
  }

  values(): IterableIterator<Session> {
    return this.map.values();
  }
}
