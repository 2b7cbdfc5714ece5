import { sharedConfig } from "../../vitest.shared.ts"

// Browser end-to-end tests start a server, build the app and drive Chromium: give them time.
export default sharedConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } })
