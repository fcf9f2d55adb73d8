// Each scenario's defaults, in one table that both engines read: the k6 entry points in
// scenarios/ and the Node engine behind `cartload run` (replay/engine/run-scenario.ts), so that a
// scenario means the same test whichever engine runs it. k6-safe: plain data.
import { LIFECYCLE_KINDS, type GeneratedKind } from '../../model/plan.ts';

export interface ScenarioDefaults {
  /** The traffic profile when PROFILE is not set. */
  profile: string;
  /** Sessions per second and how long they keep starting, when RATE / DURATION are not set. */
  rate: number;
  duration: string;
  /** Multiplies the plans' think times (0 = none), when THINK_SCALE is not set. */
  thinkScale: number;
  /** Every write is sent with dry=true, whatever DRY says. */
  forceDry?: boolean;
  /** One session of each kind, in this order, one at a time (smoke). */
  kindsInOrder?: readonly GeneratedKind[];
}

export const SCENARIO_DEFAULTS = {
  lifecycle: { profile: 'default', rate: 2, duration: '2m', thinkScale: 1 },
  // k6 runs smoke as shared iterations (one per kind); rate and duration pace the Node engine.
  smoke: { profile: 'default', rate: 1, duration: '1m', thinkScale: 0, kindsInOrder: LIFECYCLE_KINDS },
  'dry-run': { profile: 'default', rate: 2, duration: '1m', thinkScale: 1, forceDry: true },
  'big-carts': { profile: 'big-carts', rate: 0.5, duration: '2m', thinkScale: 1 },
} as const satisfies Readonly<Record<string, ScenarioDefaults>>;
