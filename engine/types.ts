// The engine's internal units: a session in flight and one scheduled step of it.
import type { Dispatcher } from 'undici';
import type { Due } from '../recordings/sort/heap.ts';

export interface Session {
  /** The ID as sent (namespaced unless --keep-session-ids). */
  readonly id: string;
  /** Its key in the SessionTable: the recorded ID (per loop), or the sent ID. */
  readonly key: string;
  readonly kind: string;
  /** A step of this session is being sent or waits for a connection: the next one must wait. */
  busy: boolean;
  failed: boolean;
  /** The recording said no more steps follow (the export knows; a request log does not). */
  ended: boolean;
  /** A step of it has been sent: past a --duration deadline it may still finish. */
  begun: boolean;
  /** The run stopped with steps of it unsent (counted once). */
  cut: boolean;
  /** Steps read and not yet answered or dropped. */
  pending: number;
  /** Recorded time (epoch ms) of its latest step read, for forgetting idle sessions. */
  lastTime: number;
  /** Steps that came due while the session was busy, in order. Allocated only when needed. */
  queue: StepItem[] | undefined;
}

export interface StepItem extends Due {
  readonly session: Session;
  readonly stepName: string;
  /** The endpoint name (model/plan.ts ENDPOINTS), or 'other'. */
  readonly endpoint: string;
  readonly method: Dispatcher.HttpMethod;
  /** Path and query, serialised once when the step is read. */
  readonly path: string;
  /** The JSON body, serialised once when the step is read. */
  readonly body: string | undefined;
  readonly recordedStatus: number | undefined;
  readonly last: boolean;
  /** When the session allowed it to go: its due time, or when its predecessor answered. */
  ready: number;
  /** When it was handed to the connection pool (ms since the anchor). */
  sentAt: number;
  /** The event's `mark`, when the input set one (a checkpoint's step number). */
  mark?: number;
}
