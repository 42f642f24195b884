import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import Link from "next/link";
import { currentUser } from "@/server/page-session";
import { signOut } from "./actions";
import "./globals.css";

export const metadata: Metadata = { title: { default: "PenguinMails", template: "%s · PenguinMails" } };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2"
        >
          Skip to content
        </a>
        <header className="border-b border-slate-200 bg-white">
          <nav aria-label="Main" className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3">
            <Link href="/workspaces" className="text-lg font-bold text-sky-800 focus-visible:outline-2 focus-visible:outline-sky-600">
              PenguinMails
            </Link>
            {user ? (
              <form action={signOut} className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1 text-sm">
                <span className="min-w-0 truncate text-slate-600">Signed in as {user.email}</span>
                <Link href="/profile" className="link">
                  Profile
                </Link>
                <button type="submit" className="btn-secondary min-h-8 px-3 py-1">
                  Sign out
                </button>
              </form>
            ) : null}
          </nav>
        </header>
        <main id="main" className="mx-auto max-w-5xl px-4 py-6 sm:py-10">
          {children}
        </main>
      </body>
    </html>
  );
}
