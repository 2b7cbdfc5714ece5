// The plugin in a real browser (headless Chromium via playwright-core): a real @xmpp/client
// bundled for the browser connects over WebSocket (RFC 7395) to the fake server, discovers AMP,
// fails fast on an unsupported rule, sends a message and follows its replies, ignoring a spoof.
import { notifyReply } from "@xmpp-amp/amp-core"
import { build, type Plugin } from "esbuild"
import { chromium } from "playwright-core"
import { expect, it } from "vitest"
import { ampServer } from "./helpers/disco.js"
import { FakeXmppServer } from "./helpers/FakeXmppServer.js"
import { DOMAIN, JULIET, ME } from "./helpers/session.js"

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** Node built-ins that @xmpp/client only uses outside browsers (its browser map misses them). */
const noNodeBuiltins: Plugin = {
  name: "no-node-builtins",
  setup(builder) {
    builder.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "empty" }))
    builder.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "export default {}" }))
  },
}

const bundlePage = async (): Promise<string> => {
  const result = await build({
    entryPoints: [new URL("browser/entry.ts", import.meta.url).pathname],
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    conditions: ["@xmpp-amp/source"],
    plugins: [noNodeBuiltins],
    logLevel: "silent",
  })
  return result.outputFiles[0]?.text ?? ""
}

it("works in a browser: discovery, fail-fast, events, spoof ignored", {
  timeout: 60_000,
}, async () => {
  const server = await FakeXmppServer.startWebSocket(
    {
      domain: DOMAIN,
      boundJid: ME,
      streamFeature: true,
      discoInfo: ampServer({ actions: ["drop", "error", "notify"] }),
    },
    {
      "/": { type: "text/html", body: `<!doctype html><script src="/page.js"></script>` },
      "/page.js": { type: "text/javascript", body: await bundlePage() },
    },
  )
  // The server is closed even when the browser cannot start (Chromium missing).
  const browser = await chromium
    .launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] })
    .catch(async (error: unknown) => {
      await server.close()
      throw error
    })
  try {
    const page = await browser.newPage()
    const pageErrors: string[] = []
    page.on("pageerror", (error) => pageErrors.push(error.message))
    await page.goto(`http://127.0.0.1:${server.port}/`)
    const running = page.evaluate(
      ([service, domain, to]) =>
        (
          globalThis as unknown as Record<string, (...args: string[]) => Promise<unknown>>
        ).ampScenario?.(service as string, domain as string, to as string),
      [server.service, DOMAIN, JULIET],
    )
    const sent = await server.waitFor((stanza) => stanza.name === "message", 20_000)
    const id = String(sent.attrs.id)
    const context = { serverDomain: DOMAIN, sender: ME, originalTo: JULIET, id }
    const spoof = notifyReply(context, {
      index: 0,
      action: "notify",
      condition: "deliver",
      value: "direct",
    })
    spoof.attrs.from = JULIET
    server.send(spoof)
    server.send(
      notifyReply(context, { index: 1, action: "notify", condition: "deliver", value: "stored" }),
    )
    server.send(
      notifyReply(context, { index: 0, action: "notify", condition: "deliver", value: "direct" }),
    )
    const result = (await running) as Record<string, unknown>
    expect(pageErrors).toEqual([])
    expect(result).toMatchObject({
      secure: true,
      support: { available: true, streamFeature: true, actions: ["drop", "error", "notify"] },
      refusal:
        "The server does not support the AMP action of: action='alert' condition='deliver' value='stored'",
      events: [
        { type: "notified", value: "stored" },
        { type: "notified", value: "direct" },
      ],
      ignored: ["foreign-sender"],
    })
    expect(
      sent.getChild("amp", "http://jabber.org/protocol/amp")?.getChildren("rule"),
    ).toHaveLength(3)
  } finally {
    await browser.close()
    await server.close()
  }
})
