// Shared helpers of the offline, MAM, carbons and faults tests: log a user in with
// @xmpp/client (PLAIN over STARTTLS), send initial presence, build messages, wait for the
// server to have processed what a client sent.
import { type XmlElement, xml } from "../../src/index.js"
import type { TestServer } from "../helpers/testServer.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"

/** Logs `username` (password `${username}-pass`) in; with `priority`, sends initial presence. */
export const login = async (
  server: TestServer,
  username: string,
  resource: string,
  priority?: number,
): Promise<TestClient> => {
  const client = await connectClient({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    username,
    password: `${username}-pass`,
    resource,
    mechanism: "PLAIN",
  })
  if (priority !== undefined) await available(client, priority)
  return client
}

/** Sends available presence and waits for its reflection (the server processed it). */
export const available = async (client: TestClient, priority = 0): Promise<void> => {
  await client.send(xml("presence", {}, xml("priority", {}, String(priority))))
  await client.waitFor((stanza) => stanza.is("presence") && stanza.attrs.from === client.jid)
}

/** A `chat` message with a body. */
export const chat = (to: string, id: string, body: string, ...extra: Array<XmlElement>) =>
  xml("message", { to, type: "chat", id }, xml("body", {}, body), ...extra)

/** A ping round trip: everything the client sent before has been processed by the server. */
export const roundTrip = (client: TestClient, domain = "localhost") =>
  client.iq(xml("iq", { type: "get", to: domain }, xml("ping", { xmlns: "urn:xmpp:ping" })))

/** Messages received so far whose body is set, as bodies in arrival order. */
export const bodies = (client: TestClient): Array<string> =>
  client.received
    .filter((stanza) => stanza.is("message") && stanza.getChildText("body") !== null)
    .map((stanza) => stanza.getChildText("body") ?? "")

/** Resolves after `ms` (to show that nothing more arrives). */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The stanza error condition of an error stanza. */
export const conditionOf = (stanza: XmlElement): string | undefined =>
  stanza.getChild("error")?.getChildElements()[0]?.name
