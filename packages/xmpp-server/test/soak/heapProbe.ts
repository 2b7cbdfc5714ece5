// The server's JavaScript heap after a full garbage collection, read through the V8 inspector
// of the server process (started with `--inspect=127.0.0.1:0`): RSS alone keeps what V8 grew
// under load, the collected heap shows what is still referenced. Nothing is added to the server.
import { WebSocket } from "ws"

/** Node options that open the inspector on a free loopback port. */
export const inspectorNodeOption = "--inspect=127.0.0.1:0"

/** The inspector's WebSocket URL, from the "Debugger listening on ws://…" line on stderr. */
export const inspectorUrl = (stderr: string): string | undefined =>
  /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(stderr)?.[1]

/** Collects garbage in the process behind `url` and returns its used heap in bytes. */
export const collectedHeapBytes = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error("the inspector did not answer"))
    }, 15_000)
    socket.on("error", reject)
    socket.on("open", () => {
      socket.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }))
      socket.send(JSON.stringify({ id: 2, method: "Runtime.getHeapUsage" }))
    })
    socket.on("message", (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as {
        readonly id?: number
        readonly result?: { readonly usedSize?: number }
      }
      if (reply.id !== 2) return
      clearTimeout(timer)
      socket.close()
      resolve(reply.result?.usedSize ?? Number.NaN)
    })
  })
