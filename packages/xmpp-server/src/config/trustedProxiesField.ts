// Reads a listener's `trusted_proxies`: a list of IP addresses and CIDR networks of reverse
// proxies whose word about the client's address is taken (src/limits/TrustedProxies.ts).
import { trustedProxyProblem } from "../limits/TrustedProxies.js"
import type { Fields, Table } from "./fields.js"

/** Validates `path.trusted_proxies` (default: none); throws `ConfigError` naming the entry. */
export const trustedProxiesField = (
  fields: Fields,
  raw: Table,
  path: string,
): ReadonlyArray<string> => {
  const key = `${path}.trusted_proxies`
  const value = raw.trusted_proxies
  if (value === undefined) return []
  if (!Array.isArray(value))
    return fields.fail(key, 'expected a list of addresses or CIDR networks, e.g. ["10.0.0.0/8"]')
  return value.map((entry: unknown, index) => {
    if (typeof entry !== "string") return fields.fail(`${key}[${index}]`, "expected a string")
    const problem = trustedProxyProblem(entry.trim())
    return problem === undefined ? entry.trim() : fields.fail(`${key}[${index}]`, problem)
  })
}
