// Test kit: a FakeXmppServer plus a real @xmpp/client connected to it with the AMP plugin.
import { type Client, client } from "@xmpp/client"
import { type AmpClient, type AmpClientOptions, amp } from "../../src/index.js"
import { type FakeServerOptions, FakeXmppServer } from "./FakeXmppServer.js"

/** The domain and JIDs every test uses. */
export const DOMAIN = "example.test"
/** The JID the client is bound to. */
export const ME = "romeo@example.test/orchard"
/** A contact. */
export const JULIET = "juliet@example.test/balcony"

/** A connected client, its AMP plugin and the fake server. */
export interface Session {
  readonly server: FakeXmppServer
  readonly xmpp: Client
  readonly amp: AmpClient
  /** Stops the client and the server. */
  close(): Promise<void>
}

/** Starts a fake server and an online client with the plugin installed before `start()`. */
export const openSession = async (
  serverOptions: Partial<FakeServerOptions> = {},
  ampOptions: AmpClientOptions = {},
): Promise<Session> => {
  const server = await FakeXmppServer.start({ domain: DOMAIN, boundJid: ME, ...serverOptions })
  const xmpp = client({ service: server.service, domain: DOMAIN })
  xmpp.reconnect.delay = 20
  xmpp.on("error", () => undefined)
  const plugin = amp(xmpp, ampOptions)
  await xmpp.start()
  return {
    server,
    xmpp,
    amp: plugin,
    close: async () => {
      plugin.stop()
      await xmpp.stop().catch(() => undefined)
      await server.close()
    },
  }
}
