// The `k6/metrics` module: custom Counter, Gauge, Rate and Trend metrics, declared in the init
// context and added to during iterations.
import type { MetricKind } from '../host-api.ts';
import { host, toTags } from './runtime.ts';

function numeric(kind: MetricKind, value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  const n = Number(value);
  if (kind === 'rate' && Number.isFinite(n)) return n !== 0 ? 1 : 0;
  return n;
}

abstract class Metric {
  readonly name: string;
  readonly type: MetricKind;
  constructor(kind: MetricKind, name: string, isTime?: boolean) {
    this.name = String(name);
    this.type = kind;
    host.defineMetric(this.name, kind, Boolean(isTime));
  }
  add(value: unknown, tags?: Record<string, unknown>): boolean {
    return host.addMetric(this.name, numeric(this.type, value), toTags(tags));
  }
}

export class Counter extends Metric {
  constructor(name: string, isTime?: boolean) {
    super('counter', name, isTime);
  }
}
export class Gauge extends Metric {
  constructor(name: string, isTime?: boolean) {
    super('gauge', name, isTime);
  }
}
export class Rate extends Metric {
  constructor(name: string, isTime?: boolean) {
    super('rate', name, isTime);
  }
}
export class Trend extends Metric {
  constructor(name: string, isTime?: boolean) {
    super('trend', name, isTime);
  }
}

export default { Counter, Gauge, Rate, Trend };
