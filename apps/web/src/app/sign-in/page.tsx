import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { pageSession } from "@/server/page-session";
import { signInConfig } from "@/server/sign-in-config";
import { SignInForm } from "../forms/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage() {
  const { user, ambiguous } = await pageSession();
  if (user) redirect("/workspaces");
  const { devSignIn } = signInConfig();
  return (
    <div className="card mx-auto max-w-md space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Sign in</h1>
      {ambiguous ? (
        <p role="alert" className="alert-error">
          Your browser sent more than one session cookie, so none was used. Clear this site&apos;s cookies, then sign in again.
        </p>
      ) : null}
      {devSignIn ? (
        <>
          <p className="text-sm text-slate-600">Development sign-in: enter any email address. An unknown address becomes a new account.</p>
          <SignInForm />
        </>
      ) : (
        <p role="alert" className="alert-error">
          Sign-in is not configured on this server.
        </p>
      )}
    </div>
  );
}
