"use client";

import { startTransition, useActionState, useState } from "react";
import { addMemberAction, changeRolesAction } from "../actions";
import { initialFormState } from "../form-state";
import { FieldProblem, FormMessages, SubmitButton, fieldProps, useOutcome } from "./form-messages";

// The workspace page's member forms. The page renders them only for those allowed; the
// data layer decides in the end, and its refusals show up inline here.

/** `membersKey` changes whenever the member list does, which makes old outcomes stale. */
export function AddMemberForm({ tenantId, roles, membersKey }: { tenantId: string; roles: readonly string[]; membersKey: string }) {
  const [state, formAction, pending] = useActionState(addMemberAction.bind(null, tenantId), initialFormState);
  const { shown, typed, dismiss } = useOutcome(state, membersKey);
  return (
    <form action={formAction} noValidate className="grid gap-3 sm:grid-cols-[1fr_12rem_auto] sm:items-start">
      <div>
        <label htmlFor="add-member-email" className="label">
          Email
        </label>
        <input
          id="add-member-email"
          name="email"
          type="email"
          required
          className="field"
          defaultValue={typed?.email}
          onChange={dismiss}
          {...fieldProps(shown, "email", "add-member")}
        />
        <FieldProblem state={shown} name="email" id="add-member" />
      </div>
      <div>
        <label htmlFor="add-member-role" className="label">
          Role
        </label>
        <select
          id="add-member-role"
          name="roles"
          className="field"
          defaultValue={typed?.roles ?? "member"}
          onChange={dismiss}
          {...fieldProps(shown, "roles", "add-member")}
        >
          {roles.map((role) => (
            <option key={role} value={role}>
              {role}
            </option>
          ))}
        </select>
        <FieldProblem state={shown} name="roles" id="add-member" />
      </div>
      <div className="sm:pt-6">
        <SubmitButton pending={pending} idle="Add member" busy="Adding…" className="btn-primary w-full sm:w-auto" />
      </div>
      <div className="sm:col-span-3">
        <FormMessages state={shown} id="add-member" />
      </div>
    </form>
  );
}

export function MemberRolesForm(props: { tenantId: string; userId: string; roles: readonly string[]; current: readonly string[]; email: string }) {
  const [state, formAction, pending] = useActionState(changeRolesAction.bind(null, props.tenantId, props.userId), initialFormState);
  const { shown, dismiss } = useOutcome(state);
  // Controlled, so a refused change leaves the boxes as the person ticked them (the message
  // talks about their choice) instead of snapping back to the saved roles. Submitted by hand
  // for the same reason: a form action makes React reset the form, boxes included.
  const [chosen, setChosen] = useState<readonly string[]>(props.current);
  const formId = `roles-${props.userId}`;
  const toggle = (role: string, on: boolean) => {
    setChosen((roles) => (on ? [...roles, role] : roles.filter((r) => r !== role)));
    dismiss();
  };
  return (
    <form
      action={formAction}
      aria-describedby={shown.error ? `${formId}-error` : undefined}
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        startTransition(() => formAction(form));
      }}
    >
      <fieldset className="flex flex-wrap items-center gap-x-4 gap-y-1">
        <legend className="sr-only">Roles of {props.email}</legend>
        {props.roles.map((role) => (
          <label key={role} className="inline-flex min-h-8 items-center gap-1.5 text-sm">
            <input
              type="checkbox"
              name="roles"
              value={role}
              className="size-4 accent-sky-700"
              checked={chosen.includes(role)}
              onChange={(event) => toggle(role, event.target.checked)}
            />
            {role}
          </label>
        ))}
        <SubmitButton pending={pending} idle="Save roles" busy="Saving…" className="btn-secondary min-h-8 px-3 py-1" />
      </fieldset>
      <FormMessages state={shown} id={formId} />
    </form>
  );
}
