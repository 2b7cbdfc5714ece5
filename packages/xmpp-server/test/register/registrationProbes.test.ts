// XEP-0077 registration limits over the wire (src/register/Registration.ts): asking for a
// taken username counts against the hourly share like creating an account (or an address
// could probe which usernames exist without end), and the addresses of one /24 share a
// second, per-network share (or 30 neighbouring addresses get 30 times the share).
// 127.0.0.0/8 is loopback on Linux: every 127.x.y.z is another client address.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type LimitsServer,
  startLimitsServer,
  streamHeader,
  tcpClient,
} from "../limits/limitsServer.js"

const NS_REGISTER = "jabber:iq:register"
const submit = (username: string, id: string) =>
  `<iq type='set' id='${id}'><query xmlns='${NS_REGISTER}'><username>${username}</username><password>long-enough</password></query></iq>`

let test: LimitsServer
beforeAll(async () => {
  test = await startLimitsServer({
    modules: {
      register: {
        enabled: true,
        registrations_per_hour: 3,
        registrations_per_hour_per_network: 5,
      },
    },
  })
  await test.addUser("existing")
})
afterAll(async () => {
  await test.stop()
})

/** Sends registration sets for `usernames` from `address`, one after the other; the answers. */
const register = async (address: string, usernames: ReadonlyArray<string>) => {
  const client = await tcpClient(test.c2sPort, address)
  client.send(streamHeader)
  await client.waitFor("</stream:features>")
  const answers: Array<string> = []
  for (const [index, username] of usernames.entries()) {
    const before = client.text().length
    client.send(submit(username, `r${index}`))
    await client.waitFor((text) => new RegExp(`id=["']r${index}["']`).test(text.slice(before)))
    answers.push(client.text().slice(before))
  }
  client.destroy()
  return answers
}

describe("registration probing", () => {
  it("counts 'username taken' answers against the address", async () => {
    const answers = await register("127.0.5.1", ["existing", "existing", "existing", "existing"])
    expect(answers.slice(0, 3).every((answer) => answer.includes("<conflict"))).toBe(true)
    expect(answers[3]).toContain("<resource-constraint")
    const fresh = await register("127.0.5.1", ["fresh-name"])
    expect(fresh[0]).toContain("<resource-constraint")
    expect(await test.server.repositories.accounts.get("fresh-name")).toBeUndefined()
  })

  it("limits a whole /24, not only each address in it", async () => {
    const answers: Array<string> = []
    for (let host = 1; host <= 6; host++)
      answers.push(...(await register(`127.0.6.${host}`, [`neighbour${host}`])))
    expect(answers.slice(0, 5).every((answer) => /type=["']result["']/.test(answer))).toBe(true)
    expect(answers[5]).toContain("<resource-constraint")
    expect(await test.server.repositories.accounts.get("neighbour6")).toBeUndefined()
    // Another /24 has its own share.
    const elsewhere = await register("127.0.7.1", ["elsewhere"])
    expect(elsewhere[0]).toMatch(/type=["']result["']/)
  })
})
