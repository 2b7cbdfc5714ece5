// A Transport over one RFC 7395 WebSocket (subprotocol `xmpp`): every message is one whole
// XML element; `<open/>`/`<close/>` replace the stream header and footer.
import type { WebSocket } from "ws"
import { DrainWaiters } from "../stream/DrainWaiters.js"
import { maxBufferedOutput, type Transport, type WriteCallback } from "../stream/Transport.js"

/** Wraps an accepted WebSocket. `secure` is true for connections that arrived over TLS. */
export const makeWebSocketTransport = (
  socket: WebSocket,
  remoteAddress: string,
  secure: boolean,
): Transport => {
  // ws has no 'drain': every send's callback (its bytes reached the OS) wakes bulk writers.
  const drain = new DrainWaiters(
    () => socket.bufferedAmount,
    () => socket.readyState === socket.OPEN,
  )
  return makeTransport(socket, remoteAddress, secure, drain)
}

const makeTransport = (
  socket: WebSocket,
  remoteAddress: string,
  secure: boolean,
  drain: DrainWaiters,
): Transport => ({
  framing: "websocket",
  remoteAddress,
  secure,
  canStartTls: false,
  attach(onData, onClosed) {
    socket.on("message", (data, isBinary) => {
      if (isBinary) return socket.close(1003, "XMPP frames are text")
      onData(data.toString())
    })
    socket.on("close", () => {
      drain.closed()
      onClosed()
    })
    socket.on("error", () => socket.terminate())
  },
  write(text: string, done?: WriteCallback) {
    if (socket.readyState !== socket.OPEN || socket.bufferedAmount > maxBufferedOutput) {
      if (socket.bufferedAmount > maxBufferedOutput) socket.terminate()
      done?.(false)
      return false
    }
    socket.send(text, (error) => {
      done?.(error == null)
      drain.check()
    })
    return true
  },
  get bufferedOutput() {
    return socket.bufferedAmount
  },
  whenDrained(ready) {
    drain.add(ready)
  },
  startTls() {
    throw new Error("STARTTLS is not available over WebSocket")
  },
  pause() {
    socket.pause()
  },
  resume() {
    socket.resume()
  },
  end() {
    if (socket.readyState === socket.OPEN) socket.close(1000)
    setTimeout(() => socket.terminate(), 2000).unref()
  },
  destroy() {
    socket.terminate()
  },
})
