// The benchmark's baseline: a plain TCP relay that forwards each line `TO\tPAYLOAD` to the
// connection registered as TO — the least work any chat server must do. The XMPP server's
// numbers are divided by the relay's, measured in the same run on the same machine, so the
// ratios mean something across machines.
import { connect, createServer, type Server, type Socket } from "node:net"
import { childTextOf } from "./xmlFramer.js"

/** Starts the relay on `host`:0 and resolves with it and its port. */
export const startRelayServer = async (host: string): Promise<{ server: Server; port: number }> => {
  const sockets = new Map<string, Socket>()
  const server = createServer((socket) => {
    socket.setNoDelay(true)
    let name: string | undefined
    let pending = ""
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString()
      let newline = pending.indexOf("\n")
      while (newline !== -1) {
        const line = pending.slice(0, newline)
        pending = pending.slice(newline + 1)
        if (name === undefined) {
          name = line
          sockets.set(name, socket)
          socket.write("ok\n")
        } else {
          const tab = line.indexOf("\t")
          sockets.get(line.slice(0, tab))?.write(`${line.slice(tab + 1)}\n`)
        }
        newline = pending.indexOf("\n")
      }
    })
    socket.on("error", () => socket.destroy())
    socket.on("close", () => {
      if (name !== undefined && sockets.get(name) === socket) sockets.delete(name)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const address = server.address()
  return { server, port: typeof address === "object" && address !== null ? address.port : 0 }
}

/** A relay connection with the same surface as `XmppClient`. */
export class RelayClient {
  /** Called with the body text of every message received. */
  onMessageBody: (body: string) => void = () => undefined
  /** Called when the connection closes or fails unexpectedly. */
  onFailure: (reason: string) => void = () => undefined
  private closed = false

  private constructor(private readonly socket: Socket) {}

  /** Connects and registers as `name`. */
  static async login(
    host: string,
    port: number,
    name: string,
  ): Promise<{ client: RelayClient; jid: string }> {
    const socket = connect({ host, port, noDelay: true })
    const client = new RelayClient(socket)
    let pending = ""
    let registered: (() => void) | undefined
    const ready = new Promise<void>((resolve, reject) => {
      registered = resolve
      socket.once("error", reject)
    })
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString()
      let newline = pending.indexOf("\n")
      while (newline !== -1) {
        const line = pending.slice(0, newline)
        pending = pending.slice(newline + 1)
        if (registered !== undefined && line === "ok") {
          registered()
          registered = undefined
        } else {
          const body = childTextOf(line, "body")
          if (body !== undefined) client.onMessageBody(body)
        }
        newline = pending.indexOf("\n")
      }
    })
    socket.on("close", () => {
      if (!client.closed) client.onFailure("connection closed")
    })
    socket.write(`${name}\n`)
    await ready
    return { client, jid: name }
  }

  /** Sends the same stanza text the XMPP client would, framed as one relay line. */
  sendChat(to: string, id: string, body: string): void {
    this.socket.write(
      `${to}\t<message to='${to}' id='${id}' type='chat'><body>${body}</body></message>\n`,
    )
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    this.closed = true
    const closed = new Promise<void>((resolve) => this.socket.once("close", () => resolve()))
    this.socket.end()
    await closed
  }
}
