// What a form's server action hands back to it: a message to show inline, the offending
// fields (by input name) so each can be marked and described, and what was typed, so a
// refused form comes back filled in (React resets a form after its action).
export interface FormState {
  error?: string;
  fields?: Record<string, string>;
  values?: Record<string, string>;
  notice?: string;
}

export const initialFormState: FormState = {};
