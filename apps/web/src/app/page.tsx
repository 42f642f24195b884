import { redirect } from "next/navigation";
import { currentUser } from "@/server/page-session";

export default async function Home() {
  redirect((await currentUser()) ? "/workspaces" : "/sign-in");
}
