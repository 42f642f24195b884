import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { launchChromium } from "./browser";

// The journey in a real browser: sign in, create a workspace, add a member and see
// them listed with their role; then, as someone else, neither see nor open that workspace.

const baseURL = inject("baseURL");
const screenshot = fileURLToPath(new URL("../test-results/workspace-members.png", import.meta.url));
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function signIn(email: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto("/");
  await page.waitForURL("**/sign-in");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/workspaces");
  await page.getByRole("heading", { name: "My workspaces" }).waitFor();
  return page;
}

it("an owner creates a workspace and adds a member; someone else cannot see or open it", async () => {
  const run = randomUUID().slice(0, 8);
  const owner = `owner-${run}@example.test`;
  const member = `member-${run}@example.test`;
  const workspaceName = `Penguin Team ${run}`;

  const page = await signIn(owner);
  await expect(page.getByText(`Signed in as ${owner}`).isVisible()).resolves.toBe(true);
  await page.getByLabel("Workspace name", { exact: true }).fill(workspaceName);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.getByRole("heading", { name: workspaceName }).waitFor();
  const workspaceUrl = page.url();
  expect(workspaceUrl).toMatch(/\/workspaces\/[0-9a-f-]{36}$/);

  await page.getByLabel("Email", { exact: true }).fill(member);
  await page.getByLabel("Role", { exact: true }).selectOption("admin");
  await page.getByRole("button", { name: "Add member" }).click();
  const row = page.getByRole("row").filter({ hasText: member });
  await row.waitFor();
  expect(await row.getByRole("cell").nth(2).textContent()).toBe("admin");
  expect(await page.getByRole("status").textContent()).toContain(`Added ${member} as admin`);

  // Adding them twice is refused inline, in words.
  await page.getByLabel("Email", { exact: true }).fill(member.toUpperCase());
  await page.getByRole("button", { name: "Add member" }).click();
  await page.getByRole("alert").filter({ hasText: "already a member" }).waitFor();
  await page.screenshot({ path: screenshot, fullPage: true });

  const stranger = await signIn(`stranger-${run}@example.test`);
  // The list streams in after the page's heading (it has a loading state), so wait for it.
  await stranger.getByText("You are not in any workspace yet.").waitFor();
  expect(await stranger.getByRole("link", { name: workspaceName }).count()).toBe(0);
  const opened = await stranger.goto(workspaceUrl);
  expect(opened?.status()).toBe(404);
  await stranger.getByRole("heading", { name: "Not found" }).waitFor();
  expect(await stranger.getByText(workspaceName).count()).toBe(0);
  const api = await stranger.request.get(`${workspaceUrl.replace("/workspaces/", "/api/tenants/")}/members`);
  expect(api.status()).toBe(404);

  // The member, signing in with the address they were added under, does see it.
  const added = await signIn(member);
  await added.getByRole("link", { name: workspaceName }).waitFor();
  expect(await added.getByRole("listitem").filter({ hasText: workspaceName }).textContent()).toContain("(admin)");
});
