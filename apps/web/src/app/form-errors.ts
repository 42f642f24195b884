import type { PublicError } from "@/server/errors";

// The API answers in the data layer's terms ("tenant", "must be an email address"), which
// clients rely on; the pages speak to people. This turns a refusal into the product's words:
// one sentence per field, placed beside the input when the form has one for it, else one
// sentence for the whole form. Never both, so each problem shows once.

type FieldWording = (message: string, typed: string) => string | undefined;

const FIELD_WORDING: Record<string, FieldWording> = {
  email: (message, typed) => {
    if (typed.trim() === "") return "Enter an email address.";
    if (message === "must be an email address") return "Enter a whole email address, like name@example.com.";
    if (message === "is already a member") return `${typed.trim()} is already a member of this workspace.`;
    return undefined;
  },
  name: (message) => {
    if (message === "must not be empty") return "Enter a name.";
    return undefined;
  },
  roles: (message) => {
    if (message === "must name at least one role") return "Choose at least one role.";
    return undefined;
  },
};

const LABELS: Record<string, string> = { email: "Email", name: "Name", roles: "Roles" };

export interface FormProblems {
  error?: string;
  fields: Record<string, string>;
}

/** `shown`: the fields this form can mark beside an input; `typed`: what was submitted. */
export function wordProblems(problem: PublicError, shown: readonly string[], typed: Record<string, string>): FormProblems {
  const fields: Record<string, string> = {};
  const elsewhere: string[] = [];
  for (const { field, message } of problem.fields ?? []) {
    const name = field.split(".")[0]!;
    const sentence = FIELD_WORDING[name]?.(message, typed[name] ?? "") ?? asSentence(`${LABELS[name] ?? name} ${message}`);
    if (shown.includes(name)) fields[name] ??= sentence;
    else elsewhere.push(sentence);
  }
  if (elsewhere.length > 0) return { error: elsewhere.join(" "), fields };
  if (Object.keys(fields).length > 0) return { fields };
  return { error: productWords(problem.message), fields };
}

/** A refusal without fields, said to a person: workspaces, not tenants; a sentence. */
export function productWords(message: string): string {
  return asSentence(message.replace(/\b[Tt]enant(s?)\b/g, "workspace$1"));
}

function asSentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
