"use client";

import { useActionState } from "react";
import { signIn } from "../actions";
import { initialFormState } from "../form-state";
import { FieldProblem, FormMessages, fieldProps } from "./form-messages";

export function SignInForm() {
  const [state, action, pending] = useActionState(signIn, initialFormState);
  return (
    <form action={action} aria-describedby="sign-in-error" noValidate>
      <p>
        <label htmlFor="sign-in-email">Email</label>{" "}
        <input id="sign-in-email" name="email" type="email" autoComplete="email" required defaultValue={state.values?.email} {...fieldProps(state, "email", "sign-in")} />{" "}
        <FieldProblem state={state} name="email" id="sign-in" />
      </p>
      <button type="submit" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
      <FormMessages state={state} id="sign-in" />
    </form>
  );
}
