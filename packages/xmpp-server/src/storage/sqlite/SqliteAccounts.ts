// Accounts on SQLite: the embedded storage's own `users` table and statements
// (src/storage/SqliteStorage.ts), answered asynchronously. Deleting an account cascades to
// every module table through `REFERENCES users (username) ON DELETE CASCADE`.
import type { AccountRepository } from "../repositories/AccountRepository.js"
import { settle } from "../repositories/Outcome.js"
import type { StorageShape } from "../Storage.js"

/** The account repository over an open SQLite storage. Example: `sqliteAccounts(storage)`. */
export const sqliteAccounts = (storage: StorageShape): AccountRepository => ({
  create: (user) => settle("accounts.create", () => storage.users.create(user)),
  createMany: (users) =>
    settle("accounts.createMany", () => {
      const created: Array<string> = []
      const existing: Array<string> = []
      storage.transaction(() => {
        for (const user of users)
          (storage.users.create(user) ? created : existing).push(user.username)
      })
      return { created, existing }
    }),
  get: (username) => settle("accounts.get", () => storage.users.get(username)),
  setCredentials: (user) =>
    settle("accounts.setCredentials", () => storage.users.setCredentials(user)),
  delete: (username) => settle("accounts.delete", () => storage.users.delete(username)),
  usernames: () =>
    settle("accounts.usernames", () =>
      storage.sql
        .all<{ username: string }>("SELECT username FROM users")
        .map((row) => row.username),
    ),
  count: () => settle("accounts.count", () => storage.users.count()),
})
