# XEP-0198 resumption with slixmpp (Debian python3-slixmpp): alice (stream management on)
# gets messages from bob, her TCP connection is aborted from her side, bob sends more, alice
# reconnects and resumes, bob sends one more. Prints one JSON object: whether the session
# was resumed and every message body alice received, in order.
# Usage: /usr/bin/python3 slixmpp_resume.py '{"host":..., "port":..., "password_alice":..., "password_bob":...}'
import asyncio
import json
import logging
import ssl
import sys

import slixmpp

logging.disable(logging.CRITICAL)

# Seconds each step may take. Quiet, a step takes 0.01-0.3 s; with 2-core load 10-14 beside
# it, at most 1.7 s (connecting and logging in both clients). A fresh-clone CI run (every
# package's tests at once) once timed one step out at 10 s; the failure now names the step
# and every step's duration.
WAIT = 20


def make(jid, password, options):
    client = slixmpp.ClientXMPP(jid, password)
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE
    client.register_plugin("xep_0198")
    return client


async def main() -> None:
    options = json.loads(sys.argv[1])
    result = {"resumed": False, "bodies": [], "failure": None, "steps": []}
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def step(name, awaitable, seconds):
        # Names the wait that timed out, and records how long each one took (seconds).
        begun = loop.time()
        try:
            await asyncio.wait_for(awaitable, seconds)
        except asyncio.TimeoutError:
            raise TimeoutError(f"{name}: nothing after {seconds} s") from None
        finally:
            result["steps"].append([name, round(begun - started, 3), round(loop.time() - begun, 3)])
    alice = make("alice@localhost/sli", options["password_alice"], options)
    bob = make("bob@localhost/sender", options["password_bob"], options)
    bob.plugin["xep_0198"].allow_resume = False
    alice_ready = asyncio.Event()
    bob_ready = asyncio.Event()
    resumed = asyncio.Event()
    received = asyncio.Event()

    def on_alice_start(_event):
        alice.send_presence()
        alice_ready.set()

    def on_message(message):
        if message["body"]:
            result["bodies"].append(message["body"])
            received.set()

    def on_resumed(_event):
        result["resumed"] = True
        resumed.set()

    alice.add_event_handler("session_start", on_alice_start)
    alice.add_event_handler("message", on_message)
    alice.add_event_handler("session_resumed", on_resumed)
    bob.add_event_handler("session_start", lambda _event: bob_ready.set())

    async def wait_count(count):
        while len(result["bodies"]) < count:
            received.clear()
            await received.wait()

    def send(index):
        bob.send_message(mto="alice@localhost/sli", mbody=f"s{index}", mtype="chat")

    try:
        alice.connect((options["host"], options["port"]))
        bob.connect((options["host"], options["port"]))
        await step("sessions started", asyncio.gather(alice_ready.wait(), bob_ready.wait()), WAIT)
        for index in range(1, 4):
            send(index)
        await step("s1-s3 received", wait_count(3), WAIT)
        alice.abort()
        await asyncio.sleep(0.3)
        for index in range(4, 7):
            send(index)
        await asyncio.sleep(0.3)
        alice.connect((options["host"], options["port"]))
        await step("resumed", resumed.wait(), WAIT)
        send(7)
        await step("s4-s7 received", wait_count(7), WAIT)
        await asyncio.sleep(0.3)
    except Exception as error:  # reported to the test, which fails with it
        result["failure"] = repr(error)
    print(json.dumps(result), flush=True)
    alice.disconnect()
    bob.disconnect()
    await asyncio.sleep(0.2)


asyncio.run(main())
