// Raw-socket helpers for the XEP-0198 tests: authenticate without binding (to resume), log in
// and enable stream management, count the messages with a given body in what was received.
import { clientHeader, openRaw, type RawConnection, rawLogin } from "../helpers/rawSocket.js"

/** XEP-0198 namespace. */
export const NS_SM = "urn:xmpp:sm:3"

/** Opens a connection and authenticates with PLAIN (no TLS), stopping before resource binding. */
export const rawAuthenticate = async (
  port: number,
  username: string,
  password: string,
): Promise<RawConnection> => {
  const connection = await openRaw(port)
  connection.send(clientHeader("localhost"))
  await connection.waitFor("</stream:features>")
  const credentials = Buffer.from(`\u0000${username}\u0000${password}`).toString("base64")
  connection.send(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`,
  )
  await connection.waitFor("<success")
  connection.send(clientHeader("localhost"))
  await connection.waitFor(/<success[\s\S]*<\/stream:features>/)
  return connection
}

/** Logs in, binds `resource`, enables stream management with resumption; returns the SM id. */
export const smLogin = async (
  port: number,
  username: string,
  password: string,
  resource: string,
): Promise<{ readonly connection: RawConnection; readonly id: string }> => {
  const connection = await rawLogin(port, "localhost", username, password, resource)
  connection.send(`<enable xmlns='${NS_SM}' resume='true'/>`)
  const text = await connection.waitFor("<enabled")
  const id = /<enabled [^>]*id='([^']+)'/.exec(text)?.[1]
  if (id === undefined) throw new Error(`no resumption id in ${text}`)
  return { connection, id }
}

/** How many times a `<body>` with exactly `body` appears in `text`. */
export const countBody = (text: string, body: string): number =>
  text.split(`<body>${body}</body>`).length - 1

/** A chat message as raw XML. */
export const chat = (to: string, body: string, id = body): string =>
  `<message type='chat' to='${to}' id='${id}'><body>${body}</body></message>`
