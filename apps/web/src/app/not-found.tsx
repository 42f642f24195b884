import Link from "next/link";

export default function NotFound() {
  return (
    <div className="card mx-auto max-w-md space-y-3 text-center">
      <h1 className="text-2xl font-bold tracking-tight">Not found</h1>
      <p className="text-slate-600">There is nothing here, or it is not yours to see.</p>
      <p>
        <Link href="/workspaces" className="link">
          Back to my workspaces
        </Link>
      </p>
    </div>
  );
}
