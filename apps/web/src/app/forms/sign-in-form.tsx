"use client";

import { useActionState } from "react";
import { signIn } from "../actions";
import { initialFormState } from "../form-state";
import { FieldProblem, FormMessages, SubmitButton, fieldProps, useOutcome } from "./form-messages";

export function SignInForm() {
  const [state, action, pending] = useActionState(signIn, initialFormState);
  const { shown, typed, dismiss } = useOutcome(state);
  return (
    <form action={action} noValidate className="space-y-4">
      <div>
        <label htmlFor="sign-in-email" className="label">
          Email
        </label>
        <input
          id="sign-in-email"
          name="email"
          type="email"
          autoComplete="email"
          required
          className="field"
          defaultValue={typed?.email}
          onChange={dismiss}
          {...fieldProps(shown, "email", "sign-in")}
        />
        <FieldProblem state={shown} name="email" id="sign-in" />
      </div>
      <SubmitButton pending={pending} idle="Sign in" busy="Signing in…" className="btn-primary w-full" />
      <FormMessages state={shown} id="sign-in" />
    </form>
  );
}
