// A small HTTP server for the built app (apps/chat-demo/dist): static files with the right
// content types, index.html for every other path, and /demo-config.json telling the app
// which XMPP domain and WebSocket endpoint to use.
import { readFile } from "node:fs/promises"
import { createServer, type Server } from "node:http"
import { extname, join, normalize, sep } from "node:path"

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
}

/** What the app reads from /demo-config.json. */
export interface DemoClientConfig {
  readonly domain: string
  /** The WebSocket port; the host is the one the browser used for the page. */
  readonly websocketPort: number
  readonly websocketPath: string
}

/** An HTTP server for `distDir` (not listening yet). */
export const staticAppServer = (distDir: string, config: DemoClientConfig): Server =>
  createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost")
    if (url.pathname === "/demo-config.json") {
      const host = new URL(`http://${request.headers.host ?? "localhost"}`).hostname
      const hostPart = host.includes(":") ? `[${host}]` : host
      response.writeHead(200, {
        "content-type": contentTypes[".json"],
        "cache-control": "no-store",
      })
      response.end(
        JSON.stringify({
          domain: config.domain,
          websocketUrl: `ws://${hostPart}:${config.websocketPort}${config.websocketPath}`,
        }),
      )
      return
    }
    const relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, "")
    const file = join(distDir, relative)
    const inside = file === distDir || file.startsWith(distDir + sep)
    const serve = (path: string, status: number): Promise<void> =>
      readFile(path).then((content) => {
        response.writeHead(status, {
          "content-type": contentTypes[extname(path)] ?? "application/octet-stream",
          "cache-control": path.includes(`${sep}assets${sep}`)
            ? "max-age=31536000, immutable"
            : "no-cache",
        })
        response.end(content)
      })
    const index = join(distDir, "index.html")
    const target = inside && relative !== "" ? file : index
    serve(target, 200).catch(() =>
      serve(index, 200).catch(() => {
        response.writeHead(500, { "content-type": "text/plain" })
        response.end("The app is not built: run `npm run build -w apps/chat-demo`.")
      }),
    )
  })
