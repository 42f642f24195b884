"use client";

import { useState } from "react";
import type { FormState } from "../form-state";

/**
 * The form's outcome, as long as it still describes the situation: once the person edits the
 * form (or `resetKey` changes, e.g. the member list changed) the old outcome is dismissed.
 * `typed` still holds what they submitted, so a refused form comes back filled in.
 */
export function useOutcome(state: FormState, resetKey?: unknown) {
  const [dismissed, setDismissed] = useState<FormState | null>(null);
  // Adjusting state while rendering (React's documented pattern) rather than in an effect. A
  // new outcome and a new key can come in the same render (adding a member changes the list):
  // that outcome is current, so only a key change on its own makes the outcome stale.
  const [seen, setSeen] = useState({ state, resetKey });
  if (seen.state !== state || seen.resetKey !== resetKey) {
    setSeen({ state, resetKey });
    if (seen.state === state) setDismissed(state);
  }
  const shown = dismissed === state ? {} : state;
  return { shown, typed: state.values, dismiss: () => setDismissed(state) };
}

/** The form's own message (alert for errors, status for notices); empty when there is none. */
export function FormMessages({ state, id }: { state: FormState; id: string }) {
  return (
    <div className="mt-3 space-y-2 empty:hidden" id={`${id}-messages`}>
      {state.error ? (
        <p id={`${id}-error`} role="alert" className="alert-error">
          {state.error}
        </p>
      ) : null}
      {state.notice ? (
        <p role="status" className="notice">
          {state.notice}
        </p>
      ) : null}
    </div>
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
    <span id={`${id}-${name}-problem`} className="field-error" role="alert">
      {problem}
    </span>
  ) : null;
}

export function SubmitButton({ pending, idle, busy, className = "btn-primary" }: { pending: boolean; idle: string; busy: string; className?: string }) {
  return (
    <button type="submit" disabled={pending} aria-disabled={pending} className={className}>
      {pending ? <Spinner /> : null}
      {pending ? busy : idle}
    </button>
  );
}

export function Spinner() {
  return <span aria-hidden="true" className="size-4 animate-spin rounded-full border-2 border-current border-r-transparent" />;
}
