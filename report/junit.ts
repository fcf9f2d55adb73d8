// JUnit XML for CI test reporters: one test case per check and per threshold, a failure for each
// check that failed at least once and each threshold that was crossed. Pure string building (no
// Node APIs, no XML library) so the k6 handleSummary bundles it.

export interface JUnitCheck {
  /** The check's name; `path` (k6's `::group::name`) tells apart same-named checks in groups. */
  name: string;
  path?: string;
  passes: number;
  fails: number;
}

export interface JUnitThreshold {
  metric: string;
  expression: string;
  ok: boolean;
  /** The metric's observed values, shown in the failure message (e.g. `p(95)=612.3`). */
  observed?: string;
}

export interface JUnitInput {
  /** Names the test suites, e.g. `cartload smoke`. */
  name: string;
  checks: JUnitCheck[];
  thresholds: JUnitThreshold[];
  durationMs: number;
  /** ISO time of the run's start. */
  timestamp?: string;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for XML attributes and content, and drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the control characters XML forbids is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c)
  );
}

function testcase(classname: string, name: string, failure?: { message: string; body: string }): string {
  const head = `    <testcase classname="${escapeXml(classname)}" name="${escapeXml(name)}" time="0"`;
  if (!failure) return `${head}/>`;
  return `${head}>\n      <failure message="${escapeXml(failure.message)}" type="failure">${escapeXml(failure.body)}</failure>\n    </testcase>`;
}

export function renderJUnit(input: JUnitInput): string {
  const seconds = (input.durationMs / 1000).toFixed(3);
  const stamp = input.timestamp ? ` timestamp="${escapeXml(input.timestamp.replace(/\.\d+Z$/, ''))}"` : '';
  const checkCases = input.checks.map((c) => {
    const shown =
      c.path && c.path.replace(/^::/, '').includes('::') ? c.path.replace(/^::/, '').split('::').join(' › ') : c.name;
    const total = c.passes + c.fails;
    return testcase(
      `${input.name}.checks`,
      shown,
      c.fails > 0
        ? {
            message: `${c.fails} of ${total} failed`,
            body: `check "${shown}" failed ${c.fails} of ${total} times (${c.passes} passed)`,
          }
        : undefined,
    );
  });
  const thresholdCases = input.thresholds.map((t) =>
    testcase(
      `${input.name}.thresholds`,
      `${t.metric}: ${t.expression}`,
      t.ok
        ? undefined
        : {
            message: `crossed: ${t.expression}`,
            body: `threshold ${t.expression} on ${t.metric} was crossed${t.observed ? ` (${t.observed})` : ''}`,
          },
    ),
  );
  const checkFailures = input.checks.filter((c) => c.fails > 0).length;
  const thresholdFailures = input.thresholds.filter((t) => !t.ok).length;
  const suite = (name: string, cases: string[], failures: number): string =>
    `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}"${stamp}>\n` +
    (cases.length > 0 ? `${cases.join('\n')}\n` : '') +
    '  </testsuite>';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${escapeXml(input.name)}" tests="${checkCases.length + thresholdCases.length}" failures="${checkFailures + thresholdFailures}" errors="0" time="${seconds}">\n` +
    `${suite(`${input.name} checks`, checkCases, checkFailures)}\n` +
    `${suite(`${input.name} thresholds`, thresholdCases, thresholdFailures)}\n` +
    '</testsuites>\n'
  );
}
