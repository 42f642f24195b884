import { chromium, type Browser } from "playwright-core";

// Debian's Chromium, never a downloaded browser; flags keep it off the (closed) network.
// CHROMIUM_PATH points elsewhere where the system browser lives elsewhere (GitHub's runners).
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
}
