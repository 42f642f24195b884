import type { FormState } from "../form-state";

/** The form's outcome, announced to screen readers (alert for errors, status for notices). */
export function FormMessages({ state, id }: { state: FormState; id: string }) {
  return (
    <>
      <p id={`${id}-error`} role="alert" className="error">
        {state.error ?? ""}
      </p>
      {state.notice ? (
        <p role="status" className="notice">
          {state.notice}
        </p>
      ) : null}
    </>
  );
}

/** Props that mark an input invalid and point it at its message. */
export function fieldProps(state: FormState, name: string, id: string) {
  const problem = state.fields?.[name];
  return problem ? { "aria-invalid": true as const, "aria-describedby": `${id}-${name}-problem` } : {};
}

export function FieldProblem({ state, name, id }: { state: FormState; name: string; id: string }) {
  const problem = state.fields?.[name];
  return problem ? (
    <span id={`${id}-${name}-problem`} className="error">
      {name} {problem}
    </span>
  ) : null;
}
