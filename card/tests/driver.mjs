// A browser for the end-to-end tests (tests/e2e/browser.py): Debian's chromium driven by
// playwright-core, one JSON command per line on stdin, one JSON answer per line on stdout.
// The Python tests orchestrate Home Assistant, the simulator and the checks; this only acts in the
// page. Chromium's fake microphone (a beep) and autoplay without a gesture are on. One Chromium
// serves every command; "open" makes a fresh browser context (no cache, no storage) each time.
// Each page notes when the dashboard created error cards (window.__e2eErrorCards: the frontend's
// "Custom element doesn't exist" is one, even while it is still hidden) and when the card was
// defined (window.__e2eCardDefined), in ms after navigation. The launch, the login with the token,
// the console's collection and the command loop are browser_common.mjs's (shared with the listen
// benchmark's browser).
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
import {
  ARGS,
  collectConsole,
  evaluate,
  hold,
  launch,
  loggedInContext,
  serve,
} from "./browser_common.mjs";

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

async function open({ url, token, path, microphone }) {
  const denied = microphone === "denied";
  let owner;
  if (denied) {
    strictBrowser ??= await launch(ARGS.filter((arg) => arg !== "--use-fake-ui-for-media-stream"));
    owner = strictBrowser;
  } else {
    browser ??= await launch();
    owner = browser;
  }
  await context?.close();
  console_lines.splice(0);
  base = url;
  context = await loggedInContext(owner, {
    url,
    token,
    viewport: { width: 1280, height: 900 },
    microphone: !denied,
  });
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
  page = await context.newPage();
  // A cold frontend on two busy cores can take longer than playwright's default 30 s.
  page.setDefaultNavigationTimeout(90000);
  collectConsole(page, console_lines);
  if (denied) await setMicrophone(owner, url, "denied");
  await page.goto(`${url}${path}`);
  return {};
}

// The commands, by name (see the top); each gets the whole command. They answer nothing but "ok"
// unless they return an answer, so the side-effect ones do not return what playwright returns.
await serve({
  open,
  goto: async (command) => {
    await page.goto(`${base}${command.path}`);
  },
  view: async (command) => {
    await page.setViewportSize({ width: command.width, height: command.height });
    await page.emulateMedia({ colorScheme: command.dark ? "dark" : "light" });
  },
  eval: (command) => evaluate(page, command),
  click: async (command) => {
    await page.locator(command.selector).first().click({ timeout: command.wait_ms ?? 10000 });
  },
  hold: async (command) => {
    await hold(page, command.selector, command.ms);
  },
  key: async (command) => {
    await page.locator(command.selector).first().focus();
    await page.keyboard.down(command.key);
    await page.waitForTimeout(command.ms ?? 0);
    await page.keyboard.up(command.key);
  },
  fill: async (command) => {
    await page.locator(command.selector).first().fill(command.text);
  },
  wait: async (command) => {
    await page
      .locator(command.selector)
      .first()
      .waitFor({ state: command.state ?? "visible", timeout: command.wait_ms ?? 20000 });
  },
  screenshot: async (command) => {
    const target = command.selector ? page.locator(command.selector).first() : page;
    await target.screenshot({ path: command.path });
  },
  offline: async (command) => {
    await context.setOffline(command.value);
  },
  reload: async () => {
    await page.reload();
  },
  console: () => ({ lines: console_lines.splice(0) }),
  close: async () => {
    await browser?.close();
    await strictBrowser?.close();
    browser = null;
    strictBrowser = null;
  },
});
