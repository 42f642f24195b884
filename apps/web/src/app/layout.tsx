import type { Metadata } from "next";
import type { ReactNode } from "react";
import Link from "next/link";
import { currentUser } from "@/server/page-session";
import { signOut } from "./actions";
import "./globals.css";

export const metadata: Metadata = { title: { default: "PenguinMails", template: "%s · PenguinMails" } };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  return (
    <html lang="en">
      <body>
        <header>
          <nav aria-label="Main">
            <Link href="/workspaces">PenguinMails</Link>
            {user ? (
              <form action={signOut} className="session">
                <span>Signed in as {user.email}</span> <button type="submit">Sign out</button>
              </form>
            ) : null}
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
