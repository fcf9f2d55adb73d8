// The HTML report as files: reads the inlined assets (uPlot's build and stylesheet from its npm
// package, the page's drawing script) once per process, and renders a run into report.html.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { renderReportHtml, type ReportAssets, type ReportInput } from './page.ts';

export type { ReportInput } from './page.ts';
export const REPORT_FILE = 'report.html';

let assets: Promise<ReportAssets> | undefined;

/** uPlot (MIT) is inlined whole: a report must open with no network, from anywhere. */
export function loadReportAssets(): Promise<ReportAssets> {
  assets ??= (async () => {
    const require = createRequire(import.meta.url);
    const [uplotJs, uplotCss, clientJs] = await Promise.all([
      readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
      readFile(new URL('./client.js', import.meta.url), 'utf8'),
    ]);
    return { uplotJs, uplotCss, clientJs };
  })();
  return assets;
}

export async function renderReport(input: ReportInput): Promise<string> {
  return renderReportHtml(input, await loadReportAssets());
}
