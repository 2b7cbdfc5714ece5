// The per-address byte rate ([limits] bytes_per_second_per_ip, byte_burst_per_ip): what one
// address sends over all its connections is read no faster than the rate; what it sent is
// delivered late, never lost; another address is not slowed down.
import { afterAll, beforeAll, expect, it } from "vitest"
import { type LimitsServer, startLimitsServer, tcpLogin } from "./limitsServer.js"

const bytesPerSecond = 20_000

let test: LimitsServer
beforeAll(async () => {
  test = await startLimitsServer({
    limits: { bytes_per_second_per_ip: bytesPerSecond, byte_burst_per_ip: 1024 },
  })
  for (const user of ["alice", "bob", "carol"]) await test.addUser(user)
})
afterAll(async () => {
  await test.stop()
})

const message = (id: string, body: string): string =>
  `<message to='bob@localhost/inbox' id='${id}' type='chat'><body>${body}</body></message>`

it("holds the reads of every connection of an address that went over its byte budget", async () => {
  const heavy = "127.0.0.31"
  const alice = await tcpLogin(test.c2sPort, "alice", "big", heavy)
  const aliceAgain = await tcpLogin(test.c2sPort, "alice", "small", heavy)
  const carol = await tcpLogin(test.c2sPort, "carol", "elsewhere", "127.0.0.32")
  const bob = await tcpLogin(test.c2sPort, "bob", "inbox", "127.0.0.33")

  const bigBody = "x".repeat(20_000)
  const started = Date.now()
  alice.send(message("big", bigBody))
  await bob.waitFor(bigBody)
  // The address now owes about 20 kB: its other connection waits about a second too.
  aliceAgain.send(message("after", "after the big one"))
  carol.send(message("carol", "from another address"))
  await bob.waitFor("after the big one")
  expect(Date.now() - started).toBeGreaterThanOrEqual(
    ((20_000 - 1024) / bytesPerSecond) * 1000 - 100,
  )
  expect(bob.text().indexOf("from another address")).toBeLessThan(
    bob.text().indexOf("after the big one"),
  )
  for (const client of [alice, aliceAgain, carol, bob]) {
    expect(client.text()).not.toContain("<stream:error")
    client.destroy()
  }
})
