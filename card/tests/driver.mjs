// A browser for the end-to-end tests (tests/e2e/test_card.py): Debian's chromium driven by
// playwright-core, one JSON command per line on stdin, one JSON answer per line on stdout.
// The Python test orchestrates Home Assistant, the simulator and the checks; this only acts in the
// page. Chromium's fake microphone (a beep) and autoplay without a gesture are on.
//
//   {"cmd": "open", "url": "...", "token": "...", "path": "/lovelace/0"}
//   {"cmd": "view", "width": 390, "height": 844, "dark": true}
//   {"cmd": "eval", "selector": "bseries-camera-card", "fn": "(el) => ..."}
//   {"cmd": "click", "selector": "..."}          (playwright CSS, pierces shadow roots)
//   {"cmd": "hold", "selector": "...", "ms": 800}
//   {"cmd": "key", "selector": "...", "key": "ArrowLeft", "ms": 600}
//   {"cmd": "fill", "selector": "...", "text": "..."}
//   {"cmd": "wait", "selector": "...", "wait_ms": 20000}
//   {"cmd": "screenshot", "path": "...", "selector": "..."}
//   {"cmd": "permissions", "grant": ["microphone"]} / {"cmd": "offline", "value": true}
//   {"cmd": "close"}
import { createInterface } from "node:readline";

import { chromium } from "playwright-core";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
];

let browser = null;
let context = null;
let page = null;
const console_lines = [];

async function open({ url, token, path, grant }) {
  browser ??= await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ARGS,
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (grant !== false) await context.grantPermissions(["microphone"], { origin: url });
  // The frontend's stored login: a long-lived token needs no login form and never expires here.
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
  page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      console_lines.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => console_lines.push(`pageerror: ${error.message}`));
  await page.goto(`${url}${path}`);
  return {};
}

async function run(command) {
  switch (command.cmd) {
    case "open":
      return open(command);
    case "view":
      await page.setViewportSize({ width: command.width, height: command.height });
      await page.emulateMedia({ colorScheme: command.dark ? "dark" : "light" });
      return {};
    case "eval": {
      const fn = new Function(`return (${command.fn});`)();
      if (command.selector) {
        return { value: await page.locator(command.selector).first().evaluate(fn, command.arg) };
      }
      return { value: await page.evaluate(fn, command.arg) };
    }
    case "click":
      await page.locator(command.selector).first().click({ timeout: command.wait_ms ?? 10000 });
      return {};
    case "hold": {
      const target = page.locator(command.selector).first();
      await target.hover({ timeout: 10000 });
      await page.mouse.down();
      await page.waitForTimeout(command.ms);
      await page.mouse.up();
      return {};
    }
    case "key": {
      const target = page.locator(command.selector).first();
      await target.focus();
      await page.keyboard.down(command.key);
      await page.waitForTimeout(command.ms ?? 0);
      await page.keyboard.up(command.key);
      return {};
    }
    case "fill":
      await page.locator(command.selector).first().fill(command.text);
      return {};
    case "wait":
      await page
        .locator(command.selector)
        .first()
        .waitFor({ state: command.state ?? "visible", timeout: command.wait_ms ?? 20000 });
      return {};
    case "screenshot":
      if (command.selector) {
        await page.locator(command.selector).first().screenshot({ path: command.path });
      } else {
        await page.screenshot({ path: command.path });
      }
      return {};
    case "offline":
      await context.setOffline(command.value);
      return {};
    case "reload":
      await page.reload();
      return {};
    case "console":
      return { lines: console_lines.splice(0) };
    case "close":
      await browser?.close();
      browser = null;
      return {};
    default:
      throw new Error(`unknown command ${command.cmd}`);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = { ok: true, ...(await run(JSON.parse(line))) };
  } catch (error) {
    answer = { ok: false, error: String(error?.stack ?? error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
await browser?.close();
