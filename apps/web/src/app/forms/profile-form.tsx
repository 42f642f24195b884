"use client";

import { useActionState } from "react";
import { updateProfileAction } from "../actions";
import { initialFormState } from "../form-state";
import { FieldProblem, FormMessages, SubmitButton, fieldProps, useOutcome } from "./form-messages";

export function ProfileForm({ name }: { name: string | null }) {
  const [state, action, pending] = useActionState(updateProfileAction, initialFormState);
  const { shown, typed, dismiss } = useOutcome(state);
  return (
    <form action={action} noValidate className="space-y-4">
      <div>
        <label htmlFor="profile-name" className="label">
          Name
        </label>
        <input
          id="profile-name"
          name="name"
          autoComplete="name"
          maxLength={200}
          className="field"
          defaultValue={typed?.name ?? name ?? ""}
          onChange={dismiss}
          aria-describedby="profile-name-hint"
          {...fieldProps(shown, "name", "profile")}
        />
        <p id="profile-name-hint" className="mt-1 text-sm text-slate-600">
          Shown to the other members of your workspaces. Leave it empty to show only your email.
        </p>
        <FieldProblem state={shown} name="name" id="profile" />
      </div>
      <SubmitButton pending={pending} idle="Save profile" busy="Saving…" />
      <FormMessages state={shown} id="profile" />
    </form>
  );
}
