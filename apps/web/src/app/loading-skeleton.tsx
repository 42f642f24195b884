// Shown while a list loads (a Suspense fallback), so a slow database reads as "working"
// rather than as a frozen page. Pages decide redirects and 404s before streaming this, so
// their status codes stay real.
export function LoadingSkeleton({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" className="space-y-4">
      <span className="sr-only">{label}</span>
      <div aria-hidden="true" className="h-8 w-2/3 max-w-sm animate-pulse rounded bg-slate-200" />
      <div aria-hidden="true" className="card space-y-3">
        <div className="h-4 w-full animate-pulse rounded bg-slate-200" />
        <div className="h-4 w-5/6 animate-pulse rounded bg-slate-200" />
        <div className="h-4 w-4/6 animate-pulse rounded bg-slate-200" />
      </div>
    </div>
  );
}
