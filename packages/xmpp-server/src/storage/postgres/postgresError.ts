// Maps node-postgres failures to the storage service's `StorageError` reasons (spec/server.md
// "Storage"): SQLSTATE class 23 (integrity constraint violation) is `constraint`, XX001/XX002
// (data or index corrupted) is `corrupt`, everything else (a lost connection, a refused one, a
// timeout, a server error) is `io`.
import type { StorageError } from "../Storage.js"

/** The reason of a pg error. Example: `postgresReason(error) === "constraint"`. */
export const postgresReason = (error: unknown): StorageError["reason"] => {
  const code =
    typeof error === "object" && error !== null && "code" in error ? String(error.code) : ""
  if (code.startsWith("23")) return "constraint"
  if (code === "XX001" || code === "XX002") return "corrupt"
  return "io"
}
