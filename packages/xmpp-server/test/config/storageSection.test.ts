// `[storage]` (issue 22 items 2 and 5): the embedded SQLite default, PostgreSQL with its URL
// and pool size, XMPP_AMP_DATABASE_URL winning over `url`, and a `ConfigError` naming the key
// for an unknown backend, a URL that is not PostgreSQL's, a missing URL or a bad pool size.
import { describe, expect, it } from "vitest"
import { ConfigError, parseConfig } from "../../src/config/loadConfig.js"

const noEnvironment = { environment: {} }

const errorOf = (work: () => unknown): ConfigError => {
  try {
    work()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error("expected a ConfigError")
}

describe("[storage]", () => {
  it("defaults to the embedded SQLite database with a pool of 10", () => {
    expect(parseConfig("", undefined, noEnvironment).storage).toEqual({
      backend: "sqlite",
      url: undefined,
      pool_size: 10,
    })
  })

  it("reads a PostgreSQL backend with its url and pool size (postgres:// and postgresql://)", () => {
    for (const url of [
      "postgres://xmpp:pw@db.example:5432/xmpp",
      "postgresql://xmpp@/xmpp?host=/run/postgresql",
    ]) {
      const text = `[storage]\nbackend = "postgres"\nurl = "${url}"\npool_size = 4\n`
      expect(parseConfig(text, undefined, noEnvironment).storage).toEqual({
        backend: "postgres",
        url,
        pool_size: 4,
      })
    }
  })

  it("takes XMPP_AMP_DATABASE_URL over url, and it alone is enough for postgres", () => {
    const environment = { XMPP_AMP_DATABASE_URL: "postgres://env@127.0.0.1/from_env" }
    const withUrl = '[storage]\nbackend = "postgres"\nurl = "postgres://file@127.0.0.1/from_file"\n'
    expect(parseConfig(withUrl, undefined, { environment }).storage.url).toBe(
      environment.XMPP_AMP_DATABASE_URL,
    )
    const withoutUrl = '[storage]\nbackend = "postgres"\n'
    expect(parseConfig(withoutUrl, undefined, { environment }).storage.url).toBe(
      environment.XMPP_AMP_DATABASE_URL,
    )
  })

  it("rejects an unknown backend, naming storage.backend", () => {
    const error = errorOf(() =>
      parseConfig('[storage]\nbackend = "mysql"\n', "s.toml", noEnvironment),
    )
    expect(error.key).toBe("storage.backend")
    expect(error.message).toContain('"sqlite" | "postgres"')
    expect(error.message).toContain("mysql")
  })

  it("rejects a url that is not a PostgreSQL URL, naming storage.url", () => {
    for (const url of ["mysql://db/xmpp", "127.0.0.1:5432", "postgres://", "postgres://a b@c/d"]) {
      const error = errorOf(() =>
        parseConfig(`[storage]\nbackend = "postgres"\nurl = "${url}"\n`, undefined, noEnvironment),
      )
      expect(error.key).toBe("storage.url")
      expect(error.message).toContain("not a PostgreSQL URL")
    }
  })

  it("rejects a bad XMPP_AMP_DATABASE_URL, naming storage.url and the variable", () => {
    const error = errorOf(() =>
      parseConfig('[storage]\nbackend = "postgres"\n', undefined, {
        environment: { XMPP_AMP_DATABASE_URL: "db.example:5432" },
      }),
    )
    expect(error.key).toBe("storage.url")
    expect(error.message).toContain("XMPP_AMP_DATABASE_URL")
  })

  it('rejects backend = "postgres" without a url, naming storage.url', () => {
    const error = errorOf(() =>
      parseConfig('[storage]\nbackend = "postgres"\n', undefined, noEnvironment),
    )
    expect(error.key).toBe("storage.url")
    expect(error.message).toContain("missing")
  })

  it("rejects a pool_size that is not a positive integer, and unknown keys", () => {
    for (const value of ["0", "-3", "2.5", '"ten"']) {
      const error = errorOf(() =>
        parseConfig(`[storage]\npool_size = ${value}\n`, undefined, noEnvironment),
      )
      expect(error.key).toBe("storage.pool_size")
    }
    expect(errorOf(() => parseConfig("[storage]\nhost = 1\n", undefined, noEnvironment)).key).toBe(
      "storage.host",
    )
  })
})
