// Push registrations on every backend: saved, replaced per (user, service, node) with their
// publish options, loaded after a reopen, removed.
import { expect, it } from "vitest"
import { addAccount, expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

/** The push registration repository's behaviour. */
export const pushSuite = ({ backend, reopen }: SuiteContext): void => {
  it("saves, replaces, loads and removes push registrations", async () => {
    const { pushRegistrations } = backend()
    await addAccount(backend(), "juliet")
    const phone = {
      user: "juliet@example.com",
      service: "push.example.com",
      node: "phone",
      publishOptions: {
        type: "submit" as const,
        fields: [
          {
            var: "FORM_TYPE",
            type: "hidden",
            values: ["http://jabber.org/protocol/pubsub#publish-options"],
          },
          { var: "secret", values: ["s3cret"] },
        ],
      },
      lastUsed: 1000,
      errorCount: 0,
    }
    const tablet = {
      user: "juliet@example.com",
      service: "push.example.com",
      node: "tablet",
      lastUsed: 5,
      errorCount: 2,
    }
    expectValue(await pushRegistrations.save(phone))
    expectValue(await pushRegistrations.save(tablet))
    expectValue(await pushRegistrations.save({ ...phone, lastUsed: 2000, errorCount: 1 }))
    const reopened = (await reopen()).pushRegistrations
    expect(await reopened.load()).toEqual([{ ...phone, lastUsed: 2000, errorCount: 1 }, tablet])
    expectValue(await reopened.remove(tablet))
    expect(expectValue(await reopened.load()).map((found) => found.node)).toEqual(["phone"])
  })
}
