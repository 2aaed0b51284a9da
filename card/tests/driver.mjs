// A browser for the end-to-end tests (tests/e2e/browser.py): Debian's chromium driven by
// playwright-core, one JSON command per line on stdin, one JSON answer per line on stdout.
// The Python tests orchestrate Home Assistant, the simulator and the checks; this only acts in the
// page. Chromium's fake microphone (a beep) and autoplay without a gesture are on. One Chromium
// serves every command; "open" makes a fresh browser context (no cache, no storage) each time.
// Each page notes when the dashboard created error cards (window.__e2eErrorCards: the frontend's
// "Custom element doesn't exist" is one, even while it is still hidden) and when the card was
// defined (window.__e2eCardDefined), in ms after navigation.
//
//   {"cmd": "open", "url": "...", "token": "...", "path": "/lovelace/0", "microphone": "denied"}
//   {"cmd": "goto", "path": "/lovelace/0"}
//   {"cmd": "view", "width": 390, "height": 844, "dark": true}
//   {"cmd": "eval", "selector": "bseries-camera-card", "fn": "(el) => ..."}
//   {"cmd": "click", "selector": "..."}          (playwright CSS, pierces shadow roots)
//   {"cmd": "hold", "selector": "...", "ms": 800}
//   {"cmd": "key", "selector": "...", "key": "ArrowLeft", "ms": 600}
//   {"cmd": "fill", "selector": "...", "text": "..."}
//   {"cmd": "wait", "selector": "...", "wait_ms": 20000}
//   {"cmd": "screenshot", "path": "...", "selector": "..."}
//   {"cmd": "offline", "value": true}  {"cmd": "reload"}  {"cmd": "console"}
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
// For pages whose microphone is blocked: the fake UI flag would accept any request, even one
// the user's stored choice refuses, so these get a Chromium without it.
let strictBrowser = null;
let context = null;
let page = null;
let base = "";
const console_lines = [];

// The microphone's permission for pages of `origin` in the current context, as the user's
// stored choice ("denied": as after "Block").
async function setMicrophone(owner, origin, setting) {
  const session = await context.newCDPSession(page);
  const { targetInfo } = await session.send("Target.getTargetInfo");
  await session.detach();
  const root = await owner.newBrowserCDPSession();
  await root.send("Browser.setPermission", {
    permission: { name: "microphone" },
    setting,
    origin,
    browserContextId: targetInfo.browserContextId,
  });
  await root.detach();
}

async function launch(args) {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args });
}

async function open({ url, token, path, microphone }) {
  const denied = microphone === "denied";
  let owner;
  if (denied) {
    strictBrowser ??= await launch(ARGS.filter((arg) => arg !== "--use-fake-ui-for-media-stream"));
    owner = strictBrowser;
  } else {
    browser ??= await launch(ARGS);
    owner = browser;
  }
  await context?.close();
  console_lines.splice(0);
  base = url;
  context = await owner.newContext({ viewport: { width: 1280, height: 900 } });
  if (!denied) await context.grantPermissions(["microphone"], { origin: url });
  await context.addInitScript(() => {
    // When (ms after navigation) the dashboard made error cards and the card was defined.
    window.__e2eErrorCards = [];
    window.__e2eCardDefined = null;
    const create = Document.prototype.createElement;
    Document.prototype.createElement = function (name, ...rest) {
      if (String(name).toLowerCase() === "hui-error-card") {
        window.__e2eErrorCards.push(Math.round(performance.now()));
      }
      return create.call(this, name, ...rest);
    };
    customElements.whenDefined("bseries-camera-card").then(() => {
      window.__e2eCardDefined = Math.round(performance.now());
    });
  });
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
  // A cold frontend on two busy cores can take longer than playwright's default 30 s.
  page.setDefaultNavigationTimeout(90000);
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      console_lines.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => console_lines.push(`pageerror: ${error.message}`));
  if (denied) await setMicrophone(owner, url, "denied");
  await page.goto(`${url}${path}`);
  return {};
}

async function run(command) {
  switch (command.cmd) {
    case "open":
      return open(command);
    case "goto":
      await page.goto(`${base}${command.path}`);
      return {};
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
      await strictBrowser?.close();
      browser = null;
      strictBrowser = null;
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
await strictBrowser?.close();
