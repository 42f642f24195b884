"use client";

import { useActionState } from "react";
import type { FormState } from "../form-state";
import { initialFormState } from "../form-state";
import { FieldProblem, FormMessages, fieldProps } from "./form-messages";

// The workspace page's member forms. The page renders them only for those allowed; the
// data layer decides in the end, and its refusals show up inline here.

type FormAction = (state: FormState, form: FormData) => Promise<FormState>;

export function AddMemberForm({ action, roles }: { action: FormAction; roles: readonly string[] }) {
  const [state, formAction, pending] = useActionState(action, initialFormState);
  return (
    <form action={formAction} aria-describedby="add-member-error" noValidate>
      <p>
        <label htmlFor="add-member-email">Email</label>{" "}
        <input id="add-member-email" name="email" type="email" required defaultValue={state.values?.email} {...fieldProps(state, "email", "add-member")} />{" "}
        <FieldProblem state={state} name="email" id="add-member" />
      </p>
      <p>
        <label htmlFor="add-member-role">Role</label>{" "}
        <select id="add-member-role" name="roles" defaultValue={state.values?.roles ?? "member"} {...fieldProps(state, "roles", "add-member")}>
          {roles.map((role) => (
            <option key={role} value={role}>
              {role}
            </option>
          ))}
        </select>{" "}
        <FieldProblem state={state} name="roles" id="add-member" />
      </p>
      <button type="submit" disabled={pending}>
        {pending ? "Adding…" : "Add member"}
      </button>
      <FormMessages state={state} id="add-member" />
    </form>
  );
}

export function MemberRolesForm(props: { action: FormAction; roles: readonly string[]; current: readonly string[]; email: string; formId: string }) {
  const [state, formAction, pending] = useActionState(props.action, initialFormState);
  return (
    <form action={formAction} aria-describedby={`${props.formId}-error`}>
      <fieldset>
        <legend>Roles of {props.email}</legend>
        {props.roles.map((role) => (
          <label key={role} className="choice">
            <input type="checkbox" name="roles" value={role} defaultChecked={props.current.includes(role)} /> {role}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={pending}>
        {pending ? "Saving…" : "Save roles"}
      </button>
      <FormMessages state={state} id={props.formId} />
    </form>
  );
}

export function RemoveMemberForm({ action, email, formId }: { action: FormAction; email: string; formId: string }) {
  const [state, formAction, pending] = useActionState(action, initialFormState);
  return (
    <form action={formAction} aria-describedby={`${formId}-error`}>
      <button type="submit" disabled={pending} aria-label={`Remove ${email}`}>
        {pending ? "Removing…" : "Remove"}
      </button>
      <FormMessages state={state} id={formId} />
    </form>
  );
}
