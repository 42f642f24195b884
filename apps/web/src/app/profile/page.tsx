import type { Metadata } from "next";
import { requireSignedIn } from "@/server/page-session";
import { ProfileForm } from "../forms/profile-form";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfilePage() {
  const user = await requireSignedIn();
  return (
    <div className="card mx-auto max-w-lg space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Profile</h1>
      <p className="text-sm text-slate-600">
        Signed in with <span className="font-medium break-all text-slate-900">{user.email}</span>.
      </p>
      <ProfileForm name={user.name} />
    </div>
  );
}
