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
    <>
      <h1>Sign in</h1>
      {ambiguous ? (
        <p role="alert">
          Your browser sent more than one session cookie, so none was used. Clear this site&apos;s cookies, then sign in again.
        </p>
      ) : null}
      {devSignIn ? (
        <>
          <p>Development sign-in: enter any email address. An unknown address becomes a new account.</p>
          <SignInForm />
        </>
      ) : (
        <p role="alert">Sign-in is not configured on this server.</p>
      )}
    </>
  );
}
