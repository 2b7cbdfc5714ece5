// Creates the benchmark's accounts on a peer server over the wire with in-band registration
// (XEP-0077 §3.1: an `<iq type='set'>` with `<query xmlns='jabber:iq:register'>` on an
// unauthenticated stream), many at a time. `prosodyctl register` starts Lua per account and
// `ejabberdctl register` an Erlang node per account; over the wire 200 take about a second.
import { connect } from "node:net"
import { type FrameEvent, XmlFramer } from "../xmlFramer.js"

/** Where to register and what. */
export interface Registration {
  readonly port: number
  readonly domain: string
  readonly username: string
  readonly password: string
}

const streamHeader = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`

/** Registers one account; resolves when the server answers with a result (or `conflict`). */
export const registerAccount = (registration: Registration): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: registration.port })
    const framer = new XmlFramer()
    const timer = setTimeout(() => fail(new Error("no answer within 30 s")), 30_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      socket.destroy()
      reject(new Error(`registering ${registration.username}: ${error.message}`))
    }
    const handle = (event: FrameEvent) => {
      if (event.kind !== "stanza") return
      if (event.xml.startsWith("<stream:features")) {
        socket.write(
          `<iq type='set' id='register'><query xmlns='jabber:iq:register'><username>${registration.username}</username><password>${registration.password}</password></query></iq>`,
        )
      } else if (event.xml.startsWith("<iq")) {
        if (/type=["']result["']/.test(event.xml) || event.xml.includes("<conflict")) {
          clearTimeout(timer)
          socket.end("</stream:stream>")
          resolve()
        } else {
          fail(new Error(event.xml.slice(0, 300)))
        }
      }
    }
    socket.on("connect", () => socket.write(streamHeader(registration.domain)))
    socket.on("data", (chunk: Buffer) => {
      for (const event of framer.push(chunk)) handle(event)
    })
    socket.on("error", fail)
  })

/** Registers `${prefix}1` … `${prefix}count`, `concurrency` at a time; resolves with seconds taken. */
export const registerAccounts = async (
  options: Omit<Registration, "username"> & { prefix: string; count: number; concurrency: number },
): Promise<number> => {
  const started = performance.now()
  let next = 1
  const worker = async () => {
    while (next <= options.count) {
      const index = next++
      await registerAccount({ ...options, username: `${options.prefix}${index}` })
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker))
  return (performance.now() - started) / 1000
}
