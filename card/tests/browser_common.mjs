// What the two browser drivers share: the end-to-end tests' (card/tests/driver.mjs, for
// tests/e2e/browser.py) and the listen benchmark's (benchmarks/listen_browser.mjs, for
// benchmarks/listen.py). Both drive Debian's chromium through playwright-core, read one JSON
// command per line on stdin and write one JSON answer per line on stdout, and open dashboard
// pages logged in with a Home Assistant token.
import { createInterface } from "node:readline";

import { chromium } from "playwright-core";

export const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // The fake microphone beeps (20 ms of 400 Hz every 500 ms); no prompt; sound without a gesture.
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
];

// A Chromium ($CHROMIUM, else Debian's) started with `args`.
export async function launch(args = ARGS) {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args });
}

// A fresh context of `browser` whose pages of `url` are logged in with `token` (the frontend's
// stored login: a long-lived token needs no login form and never expires here) and, with
// `microphone`, may use the microphone.
export async function loggedInContext(browser, { url, token, viewport, microphone = true }) {
  const context = await browser.newContext({ viewport });
  if (microphone) await context.grantPermissions(["microphone"], { origin: url });
  await context.addInitScript(
    ({ hassUrl, accessToken }) => {
      window.localStorage.setItem(
        "hassTokens",
        JSON.stringify({
          hassUrl,
          clientId: `${hassUrl}/`,
          access_token: accessToken,
          token_type: "Bearer",
          expires_in: 315360000,
          refresh_token: "",
          expires: Date.now() + 315360000000,
        }),
      );
    },
    { hassUrl: url, accessToken: token },
  );
  return context;
}

// Note in `lines` what `page` reports: its console messages of `types` ("type: text") and its
// uncaught errors ("pageerror: message", followed by the stack with `stack`).
export function collectConsole(page, lines, { types = ["error", "warning"], stack = false } = {}) {
  page.on("console", (message) => {
    if (types.includes(message.type())) lines.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => {
    lines.push(`pageerror: ${error.message}${stack ? ` ${error.stack ?? ""}` : ""}`);
  });
}

// The "eval" command's answer: `fn` (a function's source) evaluated with `arg` on the first
// element of `page` matching `selector`, or on the page itself without one.
export async function evaluate(page, { fn, selector, arg }) {
  const evaluated = new Function(`return (${fn});`)();
  if (selector) {
    return { value: await page.locator(selector).first().evaluate(evaluated, arg) };
  }
  return { value: await page.evaluate(evaluated, arg) };
}

// Press the mouse on the first element matching `selector` for `ms` milliseconds.
export async function hold(page, selector, ms) {
  await page.locator(selector).first().hover({ timeout: 10000 });
  await page.mouse.down();
  await page.waitForTimeout(ms);
  await page.mouse.up();
}

// Answer each JSON command read from stdin (one a line) with one JSON line on stdout:
// {"ok": true, ...what commands[command.cmd](command) returns} ({"ok": true} for nothing), or
// {"ok": false, "error": ...} when it threw or there is no such command. When stdin ends,
// commands.close() closes what is still open.
export async function serve(commands) {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let answer;
    try {
      const command = JSON.parse(line);
      if (!Object.hasOwn(commands, command.cmd)) {
        throw new Error(`unknown command ${command.cmd}`);
      }
      answer = { ok: true, ...(await commands[command.cmd](command)) };
    } catch (error) {
      answer = { ok: false, error: String(error?.stack ?? error) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
  await commands.close();
}
