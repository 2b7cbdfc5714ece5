// NATS URLs as logs and error lines show them: `nats://user:***@host:4222`, and a token
// (`nats://TOKEN@host`, NATS's token authentication) as `nats://***@host`, so that an
// operator's secret never lands in a log file (as backendLocation does for PostgreSQL).

/** The URL with its password or token replaced by `***`. Example: `maskedNatsUrl("nats://a:pw@h")` is `"nats://a:***@h"`. */
export const maskedNatsUrl = (url: string): string =>
  url.replace(/^([a-z]+:\/\/)([^@/]*)@/u, (_all, scheme: string, credentials: string) => {
    const colon = credentials.indexOf(":")
    return colon === -1 ? `${scheme}***@` : `${scheme}${credentials.slice(0, colon)}:***@`
  })

/** Several URLs, masked, comma-separated, for one log field or line. */
export const maskedNatsUrls = (urls: ReadonlyArray<string>): string =>
  urls.map(maskedNatsUrl).join(", ")
