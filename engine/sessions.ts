// The sessions a run has admitted, by the ID it sends. An entry lives while later steps of its
// session may still come: until the recording marks its last step, or to the end of the run.
import type { Session } from './types.ts';

export class SessionTable {
  private readonly map = new Map<string, Session>();

  /** `onStart` hears of every admitted session (the results stream's 'started'). */
  constructor(private readonly onStart: (s: Session) => void) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): Session | undefined {
    return this.map.get(key);
  }

  /** Sessions forgotten while idle (see forgetIdle). */
  forgotten = 0;

  /**
   * Admits a session sent as `prefix + id` and found again by `key` (default the sent ID). Keying
   * recorded sessions by their recorded ID spares a string concatenation and hash per event.
   */
  start(id: string, kind: string, time = 0, prefix = '', key?: string): Session {
    // A copy of the ID: one cut out of a parsed CSV chunk can keep the whole chunk alive for as
    // long as the session lives (V8 sliced strings), which made a 1M-row replay hold ~300 MB.
    id = (' ' + id).slice(1);
    const k = key === undefined ? prefix + id : key === id ? id : (' ' + key).slice(1);
    const s: Session = {
      id: prefix + id,
      key: k,
      kind,
      busy: false,
      failed: false,
      ended: false,
      begun: false,
      cut: false,
      pending: 0,
      lastTime: time,
      queue: undefined,
    };
    this.map.set(k, s);
    this.onStart(s);
    return s;
  }

  /** Forgets a session once its last step answered (or it failed and its last step was read). */
  forget(s: Session): void {
    this.map.delete(s.key);
  }

  /**
   * Forgets healthy sessions with nothing in flight whose latest step was recorded before `before`.
   * A request log never says which step is a session's last; without this the table would grow
   * with every session of the file. Failed sessions are kept, so their later steps stay skipped.
   */
  forgetIdle(before: number): void {
    for (const s of this.map.values()) {
      if (s.pending === 0 && !s.failed && s.lastTime < before) {
        this.map.delete(s.key);
        this.forgotten++;
      }
    }
  }

  values(): IterableIterator<Session> {
    return this.map.values();
  }
}
