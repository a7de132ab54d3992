/**
 * Finds Debian's headless Chromium for browser tests; tests skip with a printed reason where it is absent.
 */
import { existsSync } from 'node:fs';

/** Where Debian installs Chromium. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or null when Chromium is present. */
export function chromiumUnavailableReason(): string | null {
  return existsSync(chromiumPath)
    ? null
    : `chromium not found at ${chromiumPath} (apt-get install chromium); skipping browser tests`;
}

/** Launch flags that keep headless Chromium off the network and quiet on a closed machine. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
