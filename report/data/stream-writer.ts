// The results format's consumer of the Node engine's results stream (model/results-events.ts):
// every step outcome goes into the whole-run and per-slice histograms, every late send into the
// lag, sessions and skipped steps into the slices' counters. At the end, the engine's run summary
// supplies what the events do not carry (the run's name, its sessions, notes and gate), and the
// gate is judged again here from the histograms, as it would be after a merge.
// Slices are by answer time: wall clock = the sending phase's epochMs + answeredMs.
// Pure: no Node APIs.
import type { ResultsConsumer, ResultsEvent } from '../../model/results-events.ts';
import type { RunSummary } from '../../model/summary.ts';
import { LogHistogram } from './histogram.ts';
import { ResultsCollector } from './collector.ts';
import type { Results, RunInfo, ThresholdRecord } from './format.ts';
import { evaluateThreshold, thresholdValue } from './thresholds.ts';

export class ResultsStreamWriter implements ResultsConsumer {
  readonly collector = new ResultsCollector();
  private anchor = Number.NaN;
  private paced = false;
  /** Wall time of the latest answer: where session events (which carry no time) are counted. */
  private lastAt = Number.NaN;

  event(e: ResultsEvent): void {
    const c = this.collector;
    switch (e.type) {
      case 'run-start':
        this.paced = e.paced;
        this.anchor = e.epochMs;
        this.lastAt = e.epochMs;
        break;
      case 'phase':
        if (e.phase === 'sending') {
          this.anchor = e.epochMs;
          this.lastAt = e.epochMs;
        }
        break;
      case 'step': {
        const at = this.anchor + e.answeredMs;
        this.lastAt = at;
        c.answer(
          at,
          e.step,
          e.endpoint,
          e.status,
          e.failed,
          e.status === 0 ? undefined : e.latencyMs,
          this.paced ? e.answeredMs - e.intendedMs : undefined,
        );
        if (this.paced) {
          c.lag(this.anchor + e.sentMs, e.lagMs);
          if (e.waitingMs > 0) c.waiting(this.anchor + e.readyMs, e.waitingMs);
        }
        break;
      }
      case 'session':
        c.timeline
          .at(this.lastAt)
          .count(
            e.change === 'started' ? 'sessionsStarted' : e.change === 'failed' ? 'sessionsFailed' : 'sessionsCut',
            1,
          );
        break;
      case 'left-out':
        if (e.why === 'session-failed') c.timeline.at(this.lastAt).count('skippedSteps', e.count);
        break;
      default:
        break;
    }
  }

  /** The run's results: the stream's histograms and slices, the summary's description, sessions, notes and gate. */
  results(summary: RunSummary, about: Pick<RunInfo, 'kind' | 'tools'> & Partial<Pick<RunInfo, 'git'>>): Results {
    const run: RunInfo = {
      runId: summary.runId,
      engine: 'node',
      kind: about.kind,
      scenario: summary.scenario,
      target: summary.target,
      options: summary.options,
      tools: about.tools,
      ...(about.git ? { git: about.git } : {}),
      startedAt: summary.startedAt,
      endedAt: summary.endedAt,
      durationMs: summary.durationMs,
      ...(summary.sendingStartedAt !== undefined ? { sendingStartedAt: summary.sendingStartedAt } : {}),
      ...(summary.sendingMs !== undefined ? { sendingMs: summary.sendingMs } : {}),
      interrupted: summary.interrupted,
    };
    const results = this.collector.finish({
      run,
      sessions: summary.sessions,
      notes: summary.notes ?? [],
      ...(summary.skippedRows ? { skippedRows: summary.skippedRows } : {}),
      ...(summary.filteredSteps ? { filteredSteps: summary.filteredSteps } : {}),
    });
    if (this.paced) {
      // A paced run has its lag blocks even when nothing was late: an empty histogram says so.
      results.lag ??= { lag: new LogHistogram().encode(), waitingForPredecessor: new LogHistogram().encode() };
      results.requests.fromIntended ??= new LogHistogram().encode();
    }
    results.thresholds = (summary.thresholds ?? []).map((t): ThresholdRecord => {
      const ok = evaluateThreshold(results, t.metric, t.expression);
      if (ok === undefined) return { ...t };
      const value = thresholdValue(results, t.metric, t.expression);
      return {
        metric: t.metric,
        expression: t.expression,
        ok,
        ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
      };
    });
    return results;
  }
}
