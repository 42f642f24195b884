"use client";

import { useActionState } from "react";
import { createWorkspaceAction } from "../actions";
import { initialFormState } from "../form-state";
import { FieldProblem, FormMessages, fieldProps } from "./form-messages";

export function CreateWorkspaceForm() {
  const [state, action, pending] = useActionState(createWorkspaceAction, initialFormState);
  return (
    <form action={action} aria-describedby="create-workspace-error" noValidate>
      <p>
        <label htmlFor="create-workspace-name">Workspace name</label>{" "}
        <input id="create-workspace-name" name="name" required maxLength={200} defaultValue={state.values?.name} {...fieldProps(state, "name", "create-workspace")} />{" "}
        <FieldProblem state={state} name="name" id="create-workspace" />
      </p>
      <button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create workspace"}
      </button>
      <FormMessages state={state} id="create-workspace" />
    </form>
  );
}
