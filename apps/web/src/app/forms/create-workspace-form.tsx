"use client";

import { useActionState } from "react";
import { createWorkspaceAction } from "../actions";
import { initialFormState } from "../form-state";
import { FieldProblem, FormMessages, SubmitButton, fieldProps, useOutcome } from "./form-messages";

export function CreateWorkspaceForm() {
  const [state, action, pending] = useActionState(createWorkspaceAction, initialFormState);
  const { shown, typed, dismiss } = useOutcome(state);
  return (
    <form action={action} noValidate className="flex flex-col gap-3 sm:flex-row sm:items-start">
      <div className="grow">
        <label htmlFor="create-workspace-name" className="label">
          Workspace name
        </label>
        <input
          id="create-workspace-name"
          name="name"
          required
          maxLength={200}
          className="field"
          defaultValue={typed?.name}
          onChange={dismiss}
          {...fieldProps(shown, "name", "create-workspace")}
        />
        <FieldProblem state={shown} name="name" id="create-workspace" />
      </div>
      <div className="sm:pt-6">
        <SubmitButton pending={pending} idle="Create workspace" busy="Creating…" className="btn-primary w-full sm:w-auto" />
      </div>
      <FormMessages state={shown} id="create-workspace" />
    </form>
  );
}
