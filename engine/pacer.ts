// When each step is due: one Pacer per timing mode, instead of a switch in every source. Due
// times are ms since the run's anchor and come from the recording or the rate, never from the
// previous send, so lateness never accumulates.
import type { Timing } from './sources.ts';

export interface Pacer {
  /** True when steps have intended times (lag is measured); false: as fast as possible. */
  readonly paced: boolean;
  /** A recorded step at `time` (epoch ms); `newSession` when it is its session's first. */
  recorded(time: number, newSession: boolean): number;
  /** A new pass over the recording (--loop) starts after the last step of the previous one. */
  nextPass(): void;
  /** The first step of generated session `index` (0-based). */
  planStart(index: number): number;
  /** A plan step `atMs` after its session's start. */
  planStep(start: number, atMs: number): number;
}

/** The recorded pace × speed: a step goes at its recorded offset from the pass's first step ÷ speed. */
export class SpeedPacer implements Pacer {
  readonly paced = true;
  private t0: number | undefined;
  private offset = 0;
  private last = 0;

  constructor(private readonly speed: number) {}

  recorded(time: number, _newSession?: boolean): number {
    this.t0 ??= time;
    const due = this.offset + Math.max(0, time - this.t0) / this.speed;
    if (due > this.last) this.last = due;
    return due;
  }

  nextPass(): void {
    this.offset = this.last;
    this.t0 = undefined;
  }

  planStart(_index?: number): number {
    return 0;
  }

  planStep(start: number, atMs: number): number {
    return start + atMs / this.speed;
  }
}

/**
 * Sessions start at a fixed rate, or where `startMs` says (a varying rate: k6-style stages). A
 * recorded session's later steps go when the stream reaches them (at the latest start so far):
 * recorded gaps are ignored, order is kept.
 */
export class RatePacer implements Pacer {
  readonly paced = true;
  private sessions = 0;
  private latest = 0;

  constructor(
    private readonly rate: number,
    private readonly startMs?: (index: number) => number,
  ) {}

  recorded(_time: number, newSession: boolean): number {
    if (newSession) this.latest = this.planStart(this.sessions++);
    return this.latest;
  }

  nextPass(): void {
    // Starts follow the session count, which a new pass does not reset.
  }

  planStart(index: number): number {
    return this.startMs ? this.startMs(index) : (index * 1000) / this.rate;
  }

  planStep(start: number, atMs: number): number {
    return start + atMs;
  }
}

/** As fast as possible: everything is due when it is read. */
export class AsapPacer implements Pacer {
  readonly paced = false;

  constructor(private readonly now: () => number) {}

  recorded(_time?: number, _newSession?: boolean): number {
    return this.now();
  }

  nextPass(): void {
    // Everything is due when read, in every pass.
  }

  planStart(_index?: number): number {
    return this.now();
  }

  planStep(start: number, _atMs?: number): number {
    return start;
  }
}

export function pacerFor(timing: Timing, now: () => number): Pacer {
  switch (timing.mode) {
    case 'speed':
      return new SpeedPacer(timing.speed);
    case 'rate':
      return new RatePacer(timing.rate, timing.startMs);
    case 'asap':
      return new AsapPacer(now);
  }
}
