import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { launchChromium } from "./browser";
import { resultsDir } from "./next-server";

// The flows as a person meets them: each error once, beside its cause, in the
// product's words; messages that clear when things change; a confirmed removal with a
// notice; no doomed actions on the last owner's row; a name set on the profile page that
// shows in the members table. Each page is kept as a screenshot at desktop and phone width.

const baseURL = inject("baseURL");
const screens = path.join(resultsDir, "screens");
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function newPage(viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport });
  return context.newPage();
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "My workspaces" }).waitFor();
}

/** The page as it is now, at both widths; at a phone's width nothing may scroll sideways. */
async function capture(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screens, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} scrolls sideways at a phone's width`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(screens, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

// In the page's content: Next.js's route announcer is an alert of its own (the page title).
const alerts = (page: Page) => page.locator("main").getByRole("alert").filter({ hasText: /\S/ });

it("sign-in says once, beside the field, that an email is required or malformed, and keeps what was typed", async () => {
  const page = await newPage();
  await page.goto("/sign-in");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByRole("button", { name: "Sign in" }).click();
  await alerts(page).first().waitFor();
  expect(await alerts(page).allTextContents()).toEqual(["Enter an email address."]);
  const email = page.getByLabel("Email", { exact: true });
  expect(await email.getAttribute("aria-invalid")).toBe("true");
  await capture(page, "sign-in-error");

  await email.fill("penguin");
  expect(await alerts(page).count()).toBe(0); // the old message went with the old input
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Enter a whole email address, like name@example.com.").waitFor();
  expect(await alerts(page).count()).toBe(1);
  expect(await email.inputValue()).toBe("penguin");
  expect(await page.getByText(/invalid input|must be an email/i).count()).toBe(0);
});

it("an owner manages members: words for refusals, chosen roles kept, confirmed removal, last owner protected, a name that shows", async () => {
  const run = randomUUID().slice(0, 8);
  const owner = `owner-${run}@example.test`;
  const member = `member-${run}@example.test`;
  const page = await newPage();
  await signIn(page, owner);
  await page.getByText("You are not in any workspace yet.").waitFor();
  await capture(page, "workspaces-empty");

  // An empty workspace name: one message, beside the field.
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.getByText("Enter a name.").waitFor();
  expect(await alerts(page).count()).toBe(1);
  await page.getByLabel("Workspace name", { exact: true }).fill(`Glacier ${run}`);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.getByRole("heading", { name: `Glacier ${run}` }).waitFor();
  const workspaceUrl = page.url();

  // The only owner's own row offers nothing that must fail, and says why.
  const ownerRow = page.getByRole("row").filter({ hasText: owner });
  await ownerRow.getByText("You are the only owner.", { exact: false }).waitFor();
  expect(await ownerRow.getByRole("button").count()).toBe(0);

  await page.getByRole("button", { name: "Add member" }).click();
  await page.getByText("Enter an email address.").waitFor();
  expect(await alerts(page).count()).toBe(1);
  await page.getByLabel("Email", { exact: true }).fill(member);
  await page.getByRole("button", { name: "Add member" }).click();
  const memberRow = page.getByRole("row").filter({ hasText: member });
  await memberRow.waitFor();

  await page.getByLabel("Email", { exact: true }).fill(member);
  await page.getByRole("button", { name: "Add member" }).click();
  await page.getByText(`${member} is already a member of this workspace.`).waitFor();
  expect(await page.getByText(/already a member/).count()).toBe(1);
  expect(await page.getByText(/tenant/i).count()).toBe(0);
  expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe(member);

  // Refused roles change: the boxes keep the person's choice, the message says what to do.
  const memberBox = memberRow.getByRole("checkbox", { name: "member" });
  await memberBox.uncheck();
  await memberRow.getByRole("button", { name: "Save roles" }).click();
  await memberRow.getByText("Choose at least one role.").waitFor();
  expect(await memberBox.isChecked()).toBe(false);
  expect(await memberRow.getByRole("checkbox", { checked: true }).count()).toBe(0);
  // Each where it belongs (table row, add form), each once.
  expect((await alerts(page).allTextContents()).sort()).toEqual(["Choose at least one role.", `${member} is already a member of this workspace.`]);
  await capture(page, "workspace-refusals");
  await memberRow.getByRole("checkbox", { name: "viewer" }).check();
  expect(await memberRow.getByText("Choose at least one role.").count()).toBe(0);
  await memberRow.getByRole("button", { name: "Save roles" }).click();
  await memberRow.getByText("Roles of", { exact: false }).filter({ hasText: "saved" }).waitFor();
  expect(await memberRow.getByRole("cell").nth(2).textContent()).toBe("viewer");

  // Removing asks first (focus on the safe choice); Cancel keeps them.
  await memberRow.getByRole("button", { name: `Remove ${member}` }).click();
  const confirm = page.getByRole("group", { name: `Remove ${member} from this workspace?`, exact: false });
  await confirm.waitFor();
  expect(await confirm.getByRole("button", { name: "Cancel" }).evaluate((button) => button === document.activeElement)).toBe(true);
  await capture(page, "workspace-confirm-remove");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  expect(await confirm.count()).toBe(0);
  expect(await memberRow.count()).toBe(1);

  await memberRow.getByRole("button", { name: `Remove ${member}` }).click();
  await confirm.getByRole("button", { name: "Yes, remove" }).click();
  await page
    .getByRole("status")
    .filter({ hasText: `Removed ${member} from this workspace.` })
    .waitFor();
  // The notice can come a render before the refreshed list: wait for the row to go.
  await memberRow.waitFor({ state: "detached" });
  // "already a member" no longer holds, so it is gone.
  expect(await page.getByText(/already a member/).count()).toBe(0);
  await capture(page, "workspace-removed");
  // The next change to the list retires that notice.
  const other = `other-${run}@example.test`;
  await page.getByLabel("Email", { exact: true }).fill(other);
  await page.getByRole("button", { name: "Add member" }).click();
  await page
    .getByRole("status")
    .filter({ hasText: `Added ${other} as member.` })
    .waitFor();
  await page.getByText(`Removed ${member}`).waitFor({ state: "detached" });

  // A name set on the profile page shows in the members table.
  await page.getByRole("link", { name: "Profile" }).click();
  await page.getByRole("heading", { name: "Profile" }).waitFor();
  await capture(page, "profile");
  await page.getByLabel("Name", { exact: true }).fill("  Ada Penguin ");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByRole("status").filter({ hasText: "Your name is Ada Penguin." }).waitFor();
  expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Ada Penguin");
  await page.goto(workspaceUrl);
  expect(await page.getByRole("row").filter({ hasText: owner }).getByRole("cell").nth(1).textContent()).toBe("Ada Penguin");
  await capture(page, "workspace-named");

  await page.goto("/workspaces");
  await page.getByRole("link", { name: `Glacier ${run}` }).waitFor();
  await capture(page, "workspaces");
  await page.goto(`/workspaces/${randomUUID()}`);
  await page.getByRole("heading", { name: "Not found" }).waitFor();
  await capture(page, "not-found");
});

it("an internationalized address signs in and joins a workspace, shown with its Unicode domain", async () => {
  const run = randomUUID().slice(0, 8);
  const owner = `jürgen-${run}@bücher.de`;
  const page = await newPage();
  await signIn(page, owner);
  await page.getByText(`Signed in as ${owner}`).waitFor();
  await page.getByLabel("Workspace name", { exact: true }).fill(`Fjord ${run}`);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.getByRole("heading", { name: `Fjord ${run}` }).waitFor();
  // Typed with the punycode domain, shown (and stored once) as the same address.
  await page.getByLabel("Email", { exact: true }).fill(`用户-${run}@xn--bcher-kva.de`);
  await page.getByRole("button", { name: "Add member" }).click();
  await page
    .getByRole("row")
    .filter({ hasText: `用户-${run}@bücher.de` })
    .waitFor();
  expect(await alerts(page).count()).toBe(0);
  await capture(page, "workspace-idn");
});
