// Headless Chromium for the tests that must see a page as a person would (the HTML report):
// Debian's chromium driven by playwright-core (no browser download), a fresh empty profile per
// launch, and every background network feature off. Absent a browser, callers skip with the reason.
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser to use (CHROMIUM_PATH, else Debian's), or why there is none. */
export function findChromium(
  env: Record<string, string | undefined> = process.env,
): { path: string } | { reason: string } {
  const list = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CANDIDATES;
  for (const p of list) {
    try {
      accessSync(p, constants.X_OK);
      return { path: p };
    } catch {
      // not there: try the next
    }
  }
  return { reason: `no Chromium at ${list.join(', ')} (apt-get install chromium, or set CHROMIUM_PATH)` };
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser with a new empty profile; close() also removes the profile. */
export async function launchChromium(
  path: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'cartload-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: path,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
    timeout: 90_000,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
