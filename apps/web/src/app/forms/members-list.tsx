"use client";

import { useState, useTransition } from "react";
import { removeMemberAction } from "../actions";
import { AddMemberForm, MemberRolesForm } from "./member-forms";
import { Spinner } from "./form-messages";

export interface MemberRow {
  userId: string;
  email: string;
  name: string | null;
  roles: string[];
  /** what the viewer may do on this row; the page works it out from the data layer's rules */
  canEdit: boolean;
  canRemove: boolean;
  /** why there are no actions on this row, said on the row itself */
  note?: string;
}

// The members table and the add form, together because a removal changes what both show: the
// removed member's row (and any form in it) is gone, so the notice lives here, and the add
// form's old outcome ("already a member") no longer holds.
export function MembersList(props: { tenantId: string; members: MemberRow[]; manages: boolean; grantable: readonly string[] }) {
  const membersKey = props.members.map((member) => `${member.userId}:${member.roles.join("+")}`).join(",");
  // The removal notice holds until the list changes again (someone added, roles changed). It
  // is pinned to the first list without the removed member, adjusted while rendering.
  const [removal, setRemoval] = useState<{ text: string; userId: string; listKey?: string } | null>(null);
  const gone = removal && !props.members.some((member) => member.userId === removal.userId);
  if (removal && gone && removal.listKey === undefined) setRemoval({ ...removal, listKey: membersKey });
  if (removal?.listKey !== undefined && removal.listKey !== membersKey) setRemoval(null);
  const notice = removal?.text ?? null;
  const cell = "block px-0 py-1 sm:table-cell sm:px-3 sm:py-3 sm:align-top";
  return (
    <>
      <p role="status" className="notice empty:hidden">
        {notice ?? ""}
      </p>
      <div className="card overflow-hidden p-0 sm:p-0">
        <table className="block w-full text-left text-sm sm:table">
          <caption className="block px-4 pt-4 text-left text-base font-semibold text-slate-900 sm:table-caption sm:px-6">Members</caption>
          <thead className="sr-only sm:not-sr-only sm:table-header-group">
            <tr role="row" className="border-b border-slate-200 text-slate-600">
              <th scope="col" role="columnheader" className={`${cell} font-medium sm:pl-6`}>
                Email
              </th>
              <th scope="col" role="columnheader" className={`${cell} font-medium`}>
                Name
              </th>
              <th scope="col" role="columnheader" className={`${cell} font-medium`}>
                Roles
              </th>
              {props.manages ? (
                <th scope="col" role="columnheader" className={`${cell} font-medium`}>
                  Manage
                </th>
              ) : null}
            </tr>
          </thead>
          {/* Explicit roles: on a phone the rows are stacked blocks, which would otherwise
              drop the table's semantics for screen readers. */}
          <tbody className="block sm:table-row-group">
            {props.members.map((member) => (
              <tr key={member.userId} role="row" className="block border-t border-slate-200 px-4 py-3 sm:table-row sm:px-0 sm:py-0">
                <td role="cell" className={`${cell} font-medium break-all text-slate-900 sm:pl-6`}>
                  {member.email}
                </td>
                <td role="cell" className={`${cell} text-slate-700`}>
                  {member.name ?? ""}
                </td>
                <td role="cell" className={cell}>
                  {member.roles.join(", ")}
                </td>
                {props.manages ? (
                  <td role="cell" className={`${cell} space-y-2 sm:pr-6`}>
                    {member.canEdit ? (
                      <MemberRolesForm tenantId={props.tenantId} userId={member.userId} roles={props.grantable} current={member.roles} email={member.email} />
                    ) : null}
                    {member.canRemove ? (
                      <RemoveMember tenantId={props.tenantId} member={member} onRemoved={(text) => setRemoval({ text, userId: member.userId })} />
                    ) : null}
                    {member.note ? <p className="text-sm text-slate-600">{member.note}</p> : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.manages ? (
        <section aria-labelledby="add-member-heading" className="card">
          <h2 id="add-member-heading" className="mb-3 text-lg font-semibold">
            Add a member
          </h2>
          <AddMemberForm tenantId={props.tenantId} roles={props.grantable} membersKey={membersKey} />
        </section>
      ) : null}
    </>
  );
}

/** Remove, then an explicit confirm step in place (focus moves to it; Escape backs out). */
function RemoveMember({ tenantId, member, onRemoved }: { tenantId: string; member: MemberRow; onRemoved: (notice: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const questionId = `remove-${member.userId}-question`;

  const remove = () =>
    startTransition(async () => {
      const outcome = await removeMemberAction(tenantId, member.userId);
      if (outcome.error) {
        setError(outcome.error);
        setConfirming(false);
      } else {
        onRemoved(`Removed ${member.email} from this workspace.`);
      }
    });

  if (!confirming) {
    return (
      <div>
        <button
          type="button"
          className="btn-danger-outline min-h-8 px-3 py-1"
          aria-label={`Remove ${member.email}`}
          onClick={() => {
            setError(null);
            setConfirming(true);
          }}
        >
          Remove
        </button>
        {error ? (
          <p role="alert" className="alert-error mt-2">
            {error}
          </p>
        ) : null}
      </div>
    );
  }
  return (
    <div
      role="group"
      aria-labelledby={questionId}
      className="rounded-md border border-red-200 bg-red-50 p-3"
      onKeyDown={(event) => {
        if (event.key === "Escape" && !pending) setConfirming(false);
      }}
    >
      <p id={questionId} className="mb-2 text-sm text-red-900">
        Remove {member.email} from this workspace? They lose access at once.
      </p>
      <div className="flex flex-wrap gap-2">
        <button type="button" className="btn-danger min-h-8 px-3 py-1" onClick={remove} disabled={pending}>
          {pending ? <Spinner /> : null}
          {pending ? "Removing…" : "Yes, remove"}
        </button>
        {/* Focus lands on the safe choice, so Enter right after "Remove" does not remove. */}
        <button type="button" className="btn-secondary min-h-8 px-3 py-1" onClick={() => setConfirming(false)} disabled={pending} autoFocus>
          Cancel
        </button>
      </div>
    </div>
  );
}
