import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentUser } from "@/server/page-session";
import { signInConfig } from "@/server/sign-in-config";
import { SignInForm } from "../forms/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage() {
  if (await currentUser()) redirect("/workspaces");
  const { devSignIn } = signInConfig();
  return (
    <>
      <h1>Sign in</h1>
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
