import { sharedConfig } from "../vitest.shared.ts"

// The published-packages test packs, installs and type-checks every package: give it minutes.
export default sharedConfig({ test: { testTimeout: 60_000 } })
