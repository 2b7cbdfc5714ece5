// A Transport over one RFC 7395 WebSocket (subprotocol `xmpp`): every message is one whole
// XML element; `<open/>`/`<close/>` replace the stream header and footer.
import type { WebSocket } from "ws"
import { maxBufferedOutput, type Transport, type WriteCallback } from "../stream/Transport.js"

/** Wraps an accepted WebSocket. `secure` is true for connections that arrived over TLS. */
export const makeWebSocketTransport = (
  socket: WebSocket,
  remoteAddress: string,
  secure: boolean,
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
    socket.on("close", onClosed)
    socket.on("error", () => socket.terminate())
  },
  write(text: string, done?: WriteCallback) {
    if (socket.readyState !== socket.OPEN || socket.bufferedAmount > maxBufferedOutput) {
      if (socket.bufferedAmount > maxBufferedOutput) socket.terminate()
      done?.(false)
      return false
    }
    if (done === undefined) socket.send(text)
    else socket.send(text, (error) => done(error == null))
    return true
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
