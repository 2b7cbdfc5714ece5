// Vitest global setup of the "postgres" project (issue 22 item 3, the whole-suite matrix):
// one private PostgreSQL from Debian's package for the whole run (test/helpers/privatePostgres.ts),
// its admin URL handed to the test files as `inject("postgresAdminUrl")`; each test server
// gets a fresh database of its own (test/helpers/testStorage.ts). Stopped after the run.
import type { TestProject } from "vitest/node"
import { type PrivatePostgres, startPrivatePostgres } from "./privatePostgres.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** The private PostgreSQL's URL for the `postgres` database ("" outside this project). */
    postgresAdminUrl: string
  }
}

let postgres: PrivatePostgres | undefined

export const setup = async (project: TestProject): Promise<void> => {
  postgres = await startPrivatePostgres()
  project.provide("postgresAdminUrl", postgres.url("postgres"))
}

export const teardown = (): void => {
  postgres?.stop()
  postgres = undefined
}
