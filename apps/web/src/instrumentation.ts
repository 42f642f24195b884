// Runs once when a server starts. Next.js replaces this exact expression at build time, so
// the Node.js-only check stays out of the edge bundle (hence reading process.env here).
export async function register(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties
  if (process.env.NEXT_RUNTIME === "nodejs") (await import("./server/startup-check")).checkStartup();
}
