// Vite build of the chat demo: workspace packages resolve to their TypeScript source (the
// `@xmpp-amp/source` export condition), so the demo never depends on a stale `dist/`.
import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

export default defineConfig({
  resolve: {
    conditions: ["@xmpp-amp/source", "browser", "module", "import", "default"],
    alias: [
      {
        find: /^node:dns$/,
        replacement: fileURLToPath(new URL("./src/xmpp/browserDns.ts", import.meta.url)),
      },
    ],
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
  server: { port: 8080 },
})
