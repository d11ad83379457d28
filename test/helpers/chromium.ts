/**
 * The one way the browser tests start Chromium: Debian's /usr/bin/chromium through playwright-core, headless, with
 * the flags this machine needs. A missing Chromium fails the test (naming the binary) rather than skipping it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  expect(existsSync(CHROMIUM), `${CHROMIUM} must be installed for the browser tests (npm test installs it when run as root)`).toBe(true);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}
