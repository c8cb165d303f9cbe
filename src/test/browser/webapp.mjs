// End-to-end flows of docsync's web app in Debian's Chromium (puppeteer-core; never a downloaded browser).
//   node webapp.mjs <scenario>   scenarios: load, collab, offline, refused
// Environment: DOCSYNC_URL (http://127.0.0.1:port), TOKEN_ADA, TOKEN_BOB, TOKEN_CAROL, TOKEN_FOREIGN (signed
// with another key), TOKEN_NOTES (reads only notes-*), SHOTS (screenshot folder), CHROMIUM (default /usr/bin/chromium).
// Prints one JSON line per step on stdout ({step, ok, ...measurements}); exits 1 on the first failure.
import puppeteer from "puppeteer-core";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = process.env;
const base = env.DOCSYNC_URL;
const shots = env.SHOTS ?? join(tmpdir(), "docsync-webapp-shots");
mkdirSync(shots, { recursive: true });
const scenario = process.argv[2];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const $ = (id) => `[data-testid="${id}"]`;

function report(step, details = {}) {
  console.log(JSON.stringify({ scenario, step, ok: true, ...details }));
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${scenario}-${name}.png`) });
}

async function until(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(25);
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
}

const text = (page, id) => page.$eval($(id), (el) => el.textContent.trim());
const value = (page, id) => page.$eval($(id), (el) => el.value);

async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "docsync-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--window-size=1400,900"],
    defaultViewport: { width: 1400, height: 900 },
  });
  return { browser, profile };
}

/** A person in a browser context of their own (own storage, own IndexedDB). */
async function person(browser, name) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${name}] page error: ${e.message}`));
  // Network errors are expected when a connection is cut on purpose; anything else is worth seeing.
  page.on("console", (m) => m.type() === "error" && !/net::ERR_|Failed to load resource/.test(m.text())
    && console.error(`[${name}] console: ${m.text()}`));
  return page;
}

async function open(page, url) {
  await page.goto(url, { waitUntil: "load" });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return { loadMs: Math.round(nav.loadEventStart), domMs: Math.round(nav.domContentLoadedEventEnd) };
  });
}

async function online(page) {
  await until("status online", async () => (await text(page, "status")) === "online");
}

async function newDoc(page) {
  await online(page);
  await page.click($("new-doc"));
  const url = await until("doc-url", async () => {
    const href = await page.$eval($("doc-url"), (a) => a.getAttribute("href"));
    return href && href.includes("?doc=") ? href : null;
  });
  return url;
}

async function rename(page, name) {
  await page.click($("name"), { clickCount: 3 });
  await page.type($("name"), name);
  await page.keyboard.press("Tab"); // "change"
}

const peerNames = (page) => page.$$eval(`${$("peers")} ${$("peer")}`, (els) => els.map((e) => e.textContent));

async function sees(page, who) {
  await until(`peer ${who}`, async () => (await peerNames(page)).some((n) => n.includes(who)));
}

async function typeAtEnd(page, chars) {
  await page.focus($("editor"));
  await page.keyboard.down("Control");
  await page.keyboard.press("End");
  await page.keyboard.up("Control");
  await page.keyboard.type(chars);
}

async function editorIs(page, expected, timeoutMs) {
  await until(`editor = ${JSON.stringify(expected)}`, async () => (await value(page, "editor")) === expected, timeoutMs);
}

const strokes = (page) => page.$eval($("canvas"), (c) => Number(c.dataset.strokes));

async function drag(page, from, to) {
  const box = await (await page.$($("canvas"))).boundingBox();
  await page.mouse.move(box.x + from[0], box.y + from[1]);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    await page.mouse.move(box.x + from[0] + ((to[0] - from[0]) * i) / 8, box.y + from[1] + ((to[1] - from[1]) * i) / 8);
  }
  await page.mouse.up();
}

/** The canvas pixel at (x, y) in canvas coordinates, as [r, g, b]. */
const pixel = (page, x, y) => page.$eval($("canvas"), (c, x, y) => [...c.getContext("2d").getImageData(x, y, 1, 1).data.slice(0, 3)], x, y);

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const scenarios = {
  /** The page loads fast without a token, says how to sign in, and signs in through the token field. */
  async load(browser) {
    // The very first request of a fresh server warms its JIT and unpacks the files from the jar: reported apart.
    const starter = await person(browser, "first");
    const coldServer = await open(starter, `${base}/`);
    report("first page of a fresh server", { loadMs: coldServer.loadMs });
    const page = await person(browser, "visitor"); // a new visitor: empty cache, empty storage
    const cold = await open(page, `${base}/`);
    if (cold.loadMs > 1000) throw new Error(`first load took ${cold.loadMs} ms (limit 1000)`);
    const error = await text(page, "error");
    if (!/Sign in/.test(error)) throw new Error(`no sign-in message without a token: ${error}`);
    await shot(page, "1-no-token");
    report("page loads without a token", { firstLoadMs: cold.loadMs, domContentLoadedMs: cold.domMs, message: error });
    const warm = await open(page, `${base}/`);
    report("second load", { loadMs: warm.loadMs });
    await page.type($("token"), env.TOKEN_ADA);
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click('[data-testid="signin"] button')]);
    await online(page);
    if (await page.$eval($("error"), (e) => !e.hidden)) throw new Error(`an error after sign-in: ${await text(page, "error")}`);
    await shot(page, "2-signed-in");
    report("signed in with the token field");
    const url = await newDoc(page);
    await shot(page, "3-new-doc");
    report("new document", { url });
  },

  /** Two people on one document: text, cursors, typing, chat with history for a late joiner, strokes and own-only undo. */
  async collab(browser) {
    const ada = await person(browser, "ada");
    const bob = await person(browser, "bob");
    const first = await open(ada, `${base}/#token=${env.TOKEN_ADA}`);
    await rename(ada, "Ada Lovelace");
    const url = await newDoc(ada);
    await open(bob, `${url}#token=${env.TOKEN_BOB}`);
    await rename(bob, "Bob");
    await online(bob);
    await sees(ada, "Bob");
    await sees(bob, "Ada Lovelace");
    await shot(ada, "1-ada-joined");
    report("both on one document", { url, adaFirstLoadMs: first.loadMs });

    await typeAtEnd(ada, "hello world");
    await editorIs(bob, "hello world");
    const typing = await until("Bob sees Ada typing", async () => (await peerNames(bob)).some((n) => /Ada.*typing/.test(n)), 3000);
    report("text typed by Ada appears for Bob", { typingShown: !!typing });

    // Ada's caret after "hello": Bob sees her cursor there, in her colour, with her name.
    await ada.keyboard.press("Home");
    for (let i = 0; i < 5; i++) await ada.keyboard.press("ArrowRight");
    const cursor = await until("Ada's cursor at 5 on Bob's screen", () => bob.evaluate(() => {
      const c = document.querySelector('[data-testid="remote-cursor"]');
      if (!c || c.dataset.index !== "5") return null;
      const ta = document.querySelector('[data-testid="editor"]');
      const style = getComputedStyle(ta);
      const ctx = document.createElement("canvas").getContext("2d");
      ctx.font = style.font;
      const taBox = ta.getBoundingClientRect();
      const cBox = c.getBoundingClientRect();
      return {
        x: cBox.left - taBox.left - parseFloat(style.paddingLeft) - parseFloat(style.borderLeftWidth),
        expectedX: ctx.measureText("hello").width,
        y: cBox.top - taBox.top - parseFloat(style.paddingTop) - parseFloat(style.borderTopWidth),
        label: c.textContent,
      };
    }));
    if (Math.abs(cursor.x - cursor.expectedX) > 3 || Math.abs(cursor.y) > 4 || cursor.label !== "Ada Lovelace") {
      throw new Error(`Ada's cursor drawn at ${JSON.stringify(cursor)}`);
    }
    // A remote edit before Bob's caret keeps it on the same character.
    await bob.focus($("editor"));
    await bob.$eval($("editor"), (ta) => ta.setSelectionRange(6, 6)); // before "world"
    await ada.keyboard.type("!!"); // "hello!! world"
    await editorIs(bob, "hello!! world");
    const caret = await bob.$eval($("editor"), (ta) => ta.selectionStart);
    if (caret !== 8) throw new Error(`Bob's caret moved to ${caret}, expected 8 (still before "world")`);
    await shot(bob, "2-bob-sees-ada-cursor");
    report("Ada's cursor drawn at her caret on Bob's screen; Bob's caret kept", cursor);

    // Keystroke to the other screen: Node's clock and the pages' Date.now() are the same clock.
    const samples = [];
    for (let i = 0; i < 20; i++) {
      const seen = bob.evaluate((n) => new Promise((resolve) => {
        const ta = document.querySelector('[data-testid="editor"]');
        const poll = () => (ta.value.length >= n ? resolve(Date.now()) : setTimeout(poll, 1));
        poll();
      }), (await value(ada, "editor")).length + 1);
      await sleep(30);
      const t0 = Date.now();
      await ada.keyboard.type(String(i % 10));
      samples.push((await seen) - t0);
    }
    report("keystroke to the other screen", { p50Ms: percentile(samples, 50), p90Ms: percentile(samples, 90),
      maxMs: Math.max(...samples), n: samples.length });

    // Chat, then a third person joins later and sees the history.
    await ada.type($("chat-input"), "Hello Bob");
    await ada.click($("chat-send"));
    const logOf = (page) => page.$$eval(`${$("chat-log")} > *`, (els) => els.map((e) => e.textContent));
    await until("Bob gets Ada's message", async () => (await logOf(bob)).some((m) => m.includes("Hello Bob")));
    await bob.type($("chat-input"), "Hi Ada");
    await bob.keyboard.press("Enter");
    await until("Ada gets Bob's answer", async () => (await logOf(ada)).length === 2);
    const carol = await person(browser, "carol");
    await open(carol, `${url}#token=${env.TOKEN_CAROL}`);
    const history = await until("Carol sees the history", async () => {
      const log = await logOf(carol);
      return log.length === 2 ? log : null;
    });
    if (!history[0].includes("ada") || !history[0].includes("Hello Bob") || !history[1].includes("Hi Ada")) {
      throw new Error(`history out of order: ${JSON.stringify(history)}`);
    }
    await editorIs(carol, await value(ada, "editor"));
    await shot(carol, "3-carol-sees-history");
    report("chat, and history for a late joiner", { history });

    // Strokes: each draws one; Ada's undo removes only hers, on both screens; redo brings it back.
    await ada.$eval("#pen-color", (i) => (i.value = "#e91e63"));
    await drag(ada, [40, 60], [300, 60]);
    await bob.$eval("#pen-color", (i) => (i.value = "#3f51b5"));
    await drag(bob, [40, 200], [300, 200]);
    await until("both strokes on both screens", async () => (await strokes(ada)) === 2 && (await strokes(bob)) === 2);
    await shot(bob, "4-two-strokes");
    await ada.click($("undo"));
    await until("Ada's stroke gone on Bob's screen", async () => (await strokes(bob)) === 1);
    const adaLine = await pixel(bob, 170, 60);
    const bobLine = await pixel(bob, 170, 200);
    if (adaLine.join() !== "255,255,255" || bobLine.join() !== "63,81,181") {
      throw new Error(`after Ada's undo Bob's canvas shows ${adaLine} on Ada's line and ${bobLine} on his own`);
    }
    const bobUndo = await bob.$eval($("undo"), (b) => !b.disabled);
    await shot(bob, "5-after-ada-undo");
    await ada.click($("redo"));
    await until("Ada's stroke back on Bob's screen", async () => (await strokes(bob)) === 2);
    report("strokes synced; undo and redo act on one's own strokes only", { adaLineAfterUndo: adaLine, bobLine, bobCanStillUndoHis: bobUndo });
  },

  /** Bob's connection goes through a TCP proxy that is cut: both edit, it comes back, both converge. */
  async offline(browser) {
    const proxy = await tcpProxy(new URL(base));
    const ada = await person(browser, "ada");
    const bob = await person(browser, "bob");
    await open(ada, `${base}/#token=${env.TOKEN_ADA}`);
    const url = new URL(await newDoc(ada));
    await typeAtEnd(ada, "base");
    await open(bob, `http://127.0.0.1:${proxy.port}/${url.search}#token=${env.TOKEN_BOB}`);
    await online(bob);
    await editorIs(bob, "base");
    report("Bob online through the proxy", { proxyPort: proxy.port });

    proxy.cut();
    const state = await until("Bob sees the cut", async () => {
      const s = await text(bob, "status");
      return s === "reconnecting" || s === "offline" ? s : null;
    });
    await typeAtEnd(bob, " bob-offline");
    await typeAtEnd(ada, " ada-online");
    await sleep(1500);
    if ((await value(bob, "editor")).includes("ada-online")) throw new Error("Bob got Ada's edit while cut off");
    if ((await value(ada, "editor")).includes("bob-offline")) throw new Error("Ada got Bob's edit while he was cut off");
    await shot(bob, "1-bob-offline");
    report("cut off: status says so, both edit apart", { status: state });

    const t0 = Date.now();
    proxy.restore();
    await online(bob);
    const merged = await until("both converge", async () => {
      const [a, b] = [await value(ada, "editor"), await value(bob, "editor")];
      return a === b && a.includes("bob-offline") && a.includes("ada-online") ? a : null;
    }, 15000);
    await shot(bob, "2-bob-back");
    await shot(ada, "3-ada-merged");
    report("back online: both converge", { text: merged, reconnectAndMergeMs: Date.now() - t0 });
    proxy.close();
  },

  /** Refused tokens and forbidden documents are explained. */
  async refused(browser) {
    const ada = await person(browser, "ada");
    await open(ada, `${base}/#token=${env.TOKEN_ADA}`);
    const url = await newDoc(ada);
    const mallory = await person(browser, "mallory");
    await open(mallory, `${url}#token=${env.TOKEN_FOREIGN}`);
    const refused = await until("refused token explained", async () => {
      const visible = await mallory.$eval($("error"), (e) => !e.hidden);
      const message = await text(mallory, "error");
      return visible && /refused/.test(message) && /UNAUTHENTICATED/.test(message) ? message : null;
    });
    await shot(mallory, "1-refused-token");
    report("a refused token shows a message", { message: refused });

    const reader = await person(browser, "notes-reader");
    await open(reader, `${url}#token=${env.TOKEN_NOTES}`);
    const forbidden = await until("forbidden document explained", async () => {
      const message = await text(reader, "error");
      return /not permitted/.test(message) && /FORBIDDEN/.test(message) ? message : null;
    });
    await shot(reader, "2-forbidden-document");
    report("a document the token does not open shows a message", { message: forbidden });
  },
};

/** Not a test: the README's picture (node webapp.mjs screenshot; SHOTS names the folder of webapp.png). */
scenarios.screenshot = async (browser) => {
  const ada = await person(browser, "ada");
  const bob = await person(browser, "bob");
  for (const p of [ada, bob]) await p.setViewport({ width: 1280, height: 560 });
  await open(ada, `${base}/#token=${env.TOKEN_ADA}`);
  await rename(ada, "Ada");
  const url = await newDoc(ada);
  await open(bob, `${url}#token=${env.TOKEN_BOB}`);
  await rename(bob, "Bob");
  await online(bob);
  await typeAtEnd(ada, "Shopping list for the workshop\n\n- sticky notes\n- markers (4 colours)\n- coffee");
  await editorIs(bob, await value(ada, "editor"));
  await ada.$eval($("editor"), (ta) => ta.setSelectionRange(55, 62));
  await ada.keyboard.press("ArrowRight"); // a selection change the app broadcasts
  await ada.keyboard.down("Shift");
  for (let i = 0; i < 7; i++) await ada.keyboard.press("ArrowLeft");
  await ada.keyboard.up("Shift");
  const wave = [[60, 300], [120, 250], [180, 310], [240, 240], [300, 300]];
  await ada.$eval("#pen-color", (i) => (i.value = "#e91e63"));
  for (let i = 1; i < wave.length; i++) await drag(ada, wave[i - 1], wave[i]);
  await bob.$eval("#pen-color", (i) => (i.value = "#3f51b5"));
  await drag(bob, [380, 80], [560, 200]);
  await drag(bob, [560, 80], [380, 200]);
  await ada.type($("chat-input"), "Added coffee!");
  await ada.keyboard.press("Enter");
  await bob.type($("chat-input"), "Circling the markers");
  await bob.keyboard.press("Enter");
  await until("chat on Bob's screen", async () => (await bob.$$(`${$("chat-log")} > *`)).length === 2);
  await bob.focus($("editor"));
  await sleep(400);
  await bob.screenshot({ path: join(shots, "webapp.png") });
  report("README screenshot", { path: join(shots, "webapp.png") });
};

/** A TCP proxy to the server; cut() drops every connection and refuses new ones until restore(). */
function tcpProxy(target) {
  const sockets = new Set();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: server.address().port,
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  })));
}

const run = scenarios[scenario];
if (!run) {
  console.error(`usage: node webapp.mjs ${Object.keys(scenarios).join("|")}`);
  process.exit(2);
}
const { browser, profile } = await launch();
try {
  await run(browser);
} catch (e) {
  console.log(JSON.stringify({ scenario, ok: false, error: String(e?.stack ?? e) }));
  for (const [i, page] of (await browser.pages()).entries()) {
    await page.screenshot({ path: join(shots, `${scenario}-failure-${i}.png`) }).catch(() => {});
  }
  process.exitCode = 1;
} finally {
  await browser.close();
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch {
    // Chromium's helpers may still write for a moment: a stray temp folder is harmless
  }
}
