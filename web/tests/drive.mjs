// Drive the page in a real headless Chromium (Debian's, through playwright-core): for each page in the
// plan, open it, sign in, call the API if asked, and report what a person would see. Used by
// tests/web/test_browser.py; prints one JSON object.
//
//   node tests/drive.mjs '{"pages": [{"url": "...", "username": "...", "password": "...", "call": true,
//                                     "screenshot": "out.png"}], "executablePath": "/usr/bin/chromium"}'
// A page's step may also give: email (sign up first), code (confirm), signIn: false, newPassword (answer
// Cognito's NEW_PASSWORD_REQUIRED), me: true (ask GET /me), signOut: true, reloadAfter: ["afterSignIn", ...] (reload the page after
// that step and read it again, as <step>Reload).
import { chromium } from "playwright-core";

const plan = JSON.parse(process.argv[2] ?? "{}");
if (!Array.isArray(plan.pages) || plan.pages.length === 0) {
  console.error("drive.mjs: give a JSON plan with a non-empty pages list");
  process.exit(2);
}

const settled = (page) =>
  page.waitForFunction(
    () =>
      document.body.getAttribute("aria-busy") !== "true" &&
      (document.getElementById("message").textContent || document.getElementById("error").textContent),
    null,
    { timeout: 20000 },
  );

async function visit(context, step) {
  const page = await context.newPage();
  const console_ = [];
  page.on("console", (message) => console_.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => console_.push(`pageerror: ${error.message}`));
  await page.goto(step.url);
  await page.waitForSelector("body[data-ready=true], #error:not(:empty)", { timeout: 20000 });
  const read = async () => ({
    message: await page.textContent("#message"),
    error: await page.textContent("#error"),
    status: await page.textContent("#status"),
    body: await page.textContent("#body"),
    storedTokens: await page.evaluate(
      () => Object.keys(localStorage).filter((key) => /\.(idToken|accessToken|refreshToken)$/.test(key)).length,
    ),
    me: Object.fromEntries(
      await page.$$eval("#me-answer dd", (cells) => cells.map((cell) => [cell.id.replace(/^me-/, ""), cell.textContent])),
    ),
    meVerdict: await page.textContent("#me-verdict"),
    statusClass: await page.getAttribute("#status", "class"),
    form: {
      email: await page.inputValue("#email"),
      code: await page.inputValue("#code"),
    },
    who: Object.fromEntries(
      await page.$$eval("#who dd", (cells) => cells.map((cell) => [cell.id.replace(/^who-/, ""), cell.textContent])),
    ),
  });
  const result = { url: step.url, origin: new URL(step.url).origin };
  const press = async (button, key) => {
    await page.evaluate(() => {
      document.getElementById("message").textContent = "";
      document.getElementById("error").textContent = "";
    });
    await page.click(button);
    await settled(page);
    result[key] = await read();
    if ((step.reloadAfter ?? []).includes(key)) {
      await page.reload();
      await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
      result[`${key}Reload`] = await read();
    }
  };
  await page.fill("#username", step.username ?? "");
  await page.fill("#password", step.password ?? "");
  if (step.email) {
    await page.fill("#email", step.email);
    await press("#signup", "afterSignUp");
  }
  if (step.code) {
    await page.fill("#code", step.code);
    await press("#confirm", "afterConfirm");
  }
  if (step.signIn !== false && step.password) await press("#signin", "afterSignIn");
  if (step.newPassword && (await page.isVisible("#new-password"))) {
    await page.fill("#new-password", step.newPassword);
    await press("#signin", "afterNewPassword");
  }
  if (step.call && !(await page.isDisabled("#call"))) await press("#call", "afterCall");
  if (step.me && !(await page.isDisabled("#me"))) await press("#me", "afterMe");
  if (step.signOut && !(await page.isDisabled("#signout"))) await press("#signout", "afterSignOut");
  if (step.screenshot) await page.screenshot({ path: step.screenshot, fullPage: true });
  result.console = console_;
  await page.close();
  return result;
}

const browser = await chromium.launch({ executablePath: plan.executablePath ?? "/usr/bin/chromium", headless: true });
try {
  const results = [];
  for (const step of plan.pages) {
    const context = await browser.newContext(); // each page its own storage, as two people's browsers
    results.push(await visit(context, step));
    await context.close();
  }
  console.log(JSON.stringify({ results }));
} finally {
  await browser.close();
}
