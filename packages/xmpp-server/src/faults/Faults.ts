// The `[testing.faults]` switches of spec/server.md: storage writes that fail on purpose so
// that failure paths (AMP `store-failed`, `archive-failed`) can be tested over the wire. Off
// by default; Server.ts logs them loudly at start, and every injected failure is logged.
// (The socket write marker lives in ClientConnection: the write fails and the session drops.)
import type { TestingFaults } from "../config/ServerConfig.js"
import type { Logger } from "../log/Logger.js"

/** A storage write the faults can break. */
export type StorageFault = "mam_write" | "offline_write"

/** True (and logged) when `[testing.faults] fault` is on: the caller then fails its write. */
export const injectFault = (
  faults: TestingFaults,
  fault: StorageFault,
  logger: Logger,
): boolean => {
  if (!faults[fault]) return false
  logger.warn("testing-fault-injected", { fault })
  return true
}

/** The failure text a faulted write reports. */
export const faultText = (fault: StorageFault): string =>
  `[testing.faults] ${fault} is on: the write failed on purpose`
