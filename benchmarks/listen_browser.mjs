// The browser of the listen benchmark (benchmarks/listen.py): Debian's chromium driven by
// playwright-core (the card's own dev dependency), one JSON command per line on stdin, one JSON
// answer per line on stdout. Several pages of one dashboard holding the camera card; in each,
// a script records what the card plays and what it sends, without changing the card. The launch,
// the login with the token, the console's collection and the command loop are common (shared with
// the end-to-end tests' browser: card/tests/browser_common.mjs); this benchmark's own are the
// flags for background pages and the recording scripts.
//
// - every AudioBufferSourceNode started while the card handles a `bseries_ipcam/listen` event:
//   [the event's camera time t, the wall-clock time (ms) at which its first sample plays, its
//   RMS, whether getOutputTimestamp() was known]. The wall-clock time is the `when` given to
//   start() mapped through AudioContext.getOutputTimestamp() (context time -> performance time,
//   output latency included) plus performance.timeOrigin;
// - every binary WebSocket message (push-to-talk PCM after its handler byte) with the wall-clock
//   time it was sent.
//
//   {"cmd": "open", "url": "...", "token": "...", "path": "/x/0", "pages": 6}
//   {"cmd": "listen", "page": 0, "on": true}
//   {"cmd": "collect", "page": 0}        -> played, sent (base64), skipped, clock_ms
//   {"cmd": "talk", "page": 0, "ms": 8000}
//   {"cmd": "console"} / {"cmd": "close"}
import * as common from "../card/tests/browser_common.mjs";

const ARGS = [
  ...common.ARGS,
  // Pages in the background must not be throttled: each one is a listener.
  "--disable-background-timer-throttling",
  "--disable-renderer-backgrounding",
  "--disable-backgrounding-occluded-windows",
];
const CARD = "bseries-camera-card";

function instrument() {
  const bench = { played: [], sent: [], stamp: null };
  window.__bench = bench;
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (when = 0, ...rest) {
    if (bench.stamp !== null && this.buffer !== null) {
      const context = this.context;
      const data = this.buffer.getChannelData(0);
      let sum = 0;
      for (let i = 0; i < data.length; i += 1) sum += data[i] * data[i];
      const output = context.getOutputTimestamp();
      const known = (output.performanceTime ?? 0) > 0;
      const at = known
        ? output.performanceTime + (when - output.contextTime) * 1000
        : performance.now() +
          (when - context.currentTime + context.baseLatency + (context.outputLatency || 0)) * 1000;
      bench.played.push([
        bench.stamp,
        performance.timeOrigin + at,
        Math.sqrt(sum / data.length),
        known ? 1 : 0,
      ]);
    }
    return start.call(this, when, ...rest);
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (data instanceof Uint8Array && data.length > 1) {
      bench.sent.push([performance.timeOrigin + performance.now(), data.slice(1)]);
    }
    return send.call(this, data);
  };
}

// After the frontend connected: mark the card's listen events, so that start() knows the packet.
function markListenEvents() {
  const connection = document.querySelector("home-assistant").hass.connection;
  if (connection.__bench) return;
  const subscribe = connection.subscribeMessage.bind(connection);
  connection.subscribeMessage = (callback, message, options) =>
    subscribe(
      (event) => {
        if (message.type === "bseries_ipcam/listen" && typeof event.t === "number") {
          window.__bench.stamp = event.t;
          try {
            callback(event);
          } finally {
            window.__bench.stamp = null;
          }
        } else {
          callback(event);
        }
      },
      message,
      options,
    );
  connection.__bench = true;
}

function takeRecords() {
  const bench = window.__bench;
  const played = bench.played.splice(0);
  const sent = bench.sent.splice(0).map(([at, bytes]) => {
    let text = "";
    for (let i = 0; i < bytes.length; i += 4096) {
      text += String.fromCharCode(...bytes.subarray(i, i + 4096));
    }
    return [at, btoa(text)];
  });
  return { played, sent, clock_ms: Date.now() - (performance.timeOrigin + performance.now()) };
}

let browser = null;
const pages = [];
const consoleLines = [];
const reloads = []; // pages whose card needed its module imported again

async function openPage(context, url, path) {
  const page = await context.newPage();
  common.collectConsole(page, consoleLines, { types: ["error"], stack: true });
  await page.goto(`${url}${path}`);
  const controls = page.locator(`${CARD} .controls`).first();
  try {
    await controls.waitFor({ state: "visible", timeout: 30000 });
  } catch {
    // Seen here on every cold load: the frontend fetched the card's module but the element was
    // never defined ("Custom element doesn't exist"), and a reload did not help. Importing the
    // module once more (another URL: a new module record) defines it; the frontend then rebuilds
    // the card by itself.
    const imported = await page.evaluate(async () => {
      if (customElements.get("bseries-camera-card") !== undefined) return "defined";
      const url = performance
        .getEntriesByType("resource")
        .map((entry) => entry.name)
        .find((name) => name.includes("/bseries-camera-card.js"));
      if (url === undefined) return "not fetched";
      await import(`${url}&again=1`);
      return "imported again";
    });
    try {
      await controls.waitFor({ state: "visible", timeout: 60000 });
    } catch (error) {
      const shot = `${process.env.TMPDIR ?? "/tmp"}/bseries-listen-failed.png`;
      await page.screenshot({ path: shot });
      throw new Error(
        `the card did not load (${imported}; screenshot ${shot}; ${consoleLines.join(" | ")})`,
        { cause: error },
      );
    }
    reloads.push(imported);
  }
  // The recording starts once the card is there (the prototypes are patched for what follows).
  await page.evaluate(instrument);
  await page.evaluate(markListenEvents);
  return page;
}

async function open({ url, token, path, pages: count }) {
  browser ??= await common.launch(ARGS);
  const viewport = { width: 800, height: 700 };
  const context = await common.loggedInContext(browser, { url, token, viewport });
  // No pictures: every page would pull the MJPEG stream through Home Assistant, and the CPU
  // figures are to be the sound's. The card still shows its controls (online is the entity's).
  await context.route(/\/api\/camera_proxy(_stream)?\//, (route) => route.abort());
  for (let i = 0; i < count; i += 1) pages.push(await openPage(context, url, path));
  return { pages: pages.length, reloads };
}

async function listen({ page: index, on }) {
  const page = pages[index];
  const button = page.locator(`${CARD} button.listen`).first();
  if ((await button.getAttribute("aria-pressed")) !== String(on)) await button.click();
  // The card says it listens once its subscription is on (aria-pressed follows).
  const deadline = Date.now() + 20000;
  while ((await button.getAttribute("aria-pressed")) !== String(on)) {
    if (Date.now() > deadline) throw new Error(`listen did not turn ${on ? "on" : "off"}`);
    await page.waitForTimeout(100);
  }
  return {};
}

async function collect({ page: index }) {
  const page = pages[index];
  const records = await page.evaluate(takeRecords);
  const skipped = await page
    .locator(CARD)
    .first()
    .evaluate((el) => el._listener?.skipped ?? null);
  return { ...records, skipped };
}

async function talk({ page: index, ms }) {
  await common.hold(pages[index], `${CARD} button.talk`, ms);
  return {};
}

// The commands, by name (see the top); each gets the whole command.
await common.serve({
  open,
  listen,
  collect,
  talk,
  // Diagnostics: a function evaluated in a page (on the first match of `selector`, if given).
  eval: (command) => common.evaluate(pages[command.page ?? 0], command),
  console: () => ({ lines: consoleLines.splice(0) }),
  close: async () => {
    await browser?.close();
    browser = null;
  },
});
