// A Transport over a node:net socket: plain TCP with an in-place STARTTLS upgrade (RFC 6120 §5)
// to a node:tls TLSSocket, or a socket that is TLS from the start (XEP-0368 direct TLS).
import type { Socket } from "node:net"
import { type SecureContext, TLSSocket } from "node:tls"
import { DrainWaiters } from "../stream/DrainWaiters.js"
import { maxBufferedOutput, type Transport, type WriteCallback } from "../stream/Transport.js"

/**
 * Wraps a TCP (or already TLS) socket. `secureContext` enables STARTTLS; `remoteAddress` is
 * the client's address when a trusted proxy said it (PROXY protocol), else the socket's peer.
 */
export const makeTcpTransport = (
  initial: Socket,
  options: {
    readonly secureContext: SecureContext | undefined
    readonly directTls: boolean
    readonly remoteAddress?: string
  },
): Transport => {
  let socket: Socket = initial
  let secure = options.directTls
  let closed = false
  let onData: (text: string) => void = () => undefined
  let onClosed: () => void = () => undefined
  let onUndecodable: (reason: string) => void = () => undefined
  // Strict UTF-8 (RFC 6120 §11.6): bytes that are not UTF-8 end the stream instead of being
  // read as U+FFFD, as `setEncoding("utf8")` did. `stream: true` keeps a character split
  // between two reads whole.
  let decoder = new TextDecoder("utf-8", { fatal: true })
  let undecodable = false
  // Writes made in one tick (a burst of stanzas for this client) leave in one system call. Not
  // later: uncorking in setImmediate (to batch across the sockets read in one loop turn) pushed
  // write callbacks, and the AMP replies waiting on them, into the next turn and made an AMP
  // message cost 3× the CPU at saturation (objects outlived young-generation GCs).
  let corked: Socket | undefined
  const uncork = (): void => {
    corked?.uncork()
    corked = undefined
  }
  const receive = (chunk: Buffer): void => {
    if (undecodable) return
    let text: string
    try {
      text = decoder.decode(chunk, { stream: true })
    } catch {
      undecodable = true
      onUndecodable("the stream holds bytes that are not UTF-8")
      return
    }
    if (text !== "") onData(text)
  }
  // Bulk writers wait here for the output to drain ('drain' comes once the buffer is empty).
  const drain = new DrainWaiters(
    () => socket.writableLength,
    () => !closed && !socket.destroyed && socket.writable,
  )
  const close = (): void => {
    if (closed) return
    closed = true
    drain.closed()
    onClosed()
  }
  const listen = (target: Socket): void => {
    target.on("data", receive)
    target.on("close", close)
    target.on("drain", drain.check)
    target.on("error", () => target.destroy())
  }
  return {
    framing: "stream",
    remoteAddress: options.remoteAddress ?? initial.remoteAddress ?? "unknown",
    get secure() {
      return secure
    },
    get canStartTls() {
      return !secure && options.secureContext !== undefined
    },
    attach(data, closedHandler, undecodableHandler) {
      onData = data
      onClosed = closedHandler
      if (undecodableHandler !== undefined) onUndecodable = undecodableHandler
      listen(socket)
    },
    write(text: string, done?: WriteCallback) {
      if (
        closed ||
        socket.destroyed ||
        !socket.writable ||
        socket.writableLength > maxBufferedOutput
      ) {
        if (!socket.destroyed && socket.writableLength > maxBufferedOutput) socket.destroy()
        done?.(false)
        return false
      }
      if (corked === undefined) {
        corked = socket
        socket.cork()
        process.nextTick(uncork)
      }
      if (done === undefined) socket.write(text)
      else socket.write(text, (error) => done(error == null))
      return true
    },
    get bufferedOutput() {
      return socket.writableLength
    },
    whenDrained(ready) {
      drain.add(ready)
    },
    startTls() {
      uncork()
      const plain = socket
      plain.removeListener("data", receive)
      plain.removeListener("close", close)
      plain.removeListener("drain", drain.check)
      const tlsSocket = new TLSSocket(plain, {
        isServer: true,
        secureContext: options.secureContext,
      })
      secure = true
      socket = tlsSocket
      decoder = new TextDecoder("utf-8", { fatal: true })
      listen(tlsSocket)
    },
    pause() {
      socket.pause()
    },
    resume() {
      socket.resume()
    },
    end() {
      if (!socket.destroyed) socket.end()
      setTimeout(() => socket.destroy(), 2000).unref()
    },
    destroy() {
      socket.destroy()
    },
  }
}
