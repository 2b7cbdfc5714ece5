# slixmpp (an independent client) against the offline, MAM and carbons modules: logs in,
# sends initial presence, collects the offline messages (body, XEP-0203 delay stamp,
# XEP-0359 stanza-id), enables carbons (XEP-0280), queries its archive (XEP-0313) and prints
# one JSON object. Usage: /usr/bin/python3 slixmpp_storage.py '<json options>'
import asyncio
import json
import logging
import ssl
import sys

import slixmpp

logging.disable(logging.CRITICAL)


def main() -> None:
    options = json.loads(sys.argv[1])
    result = {"messages": [], "carbons": None, "archive": None, "failure": None}
    client = slixmpp.ClientXMPP(options["jid"], options["password"])
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE
    for plugin in ["xep_0030", "xep_0059", "xep_0203", "xep_0280", "xep_0297", "xep_0313", "xep_0359"]:
        client.register_plugin(plugin)
    expected = options.get("expect_messages", 0)
    received = asyncio.get_event_loop().create_future()
    started = asyncio.get_event_loop().create_future()

    def on_message(message) -> None:
        if message["body"] == "":
            return
        delay = message["delay"]["stamp"]
        result["messages"].append({
            "body": message["body"],
            "delay": None if delay is None else delay.isoformat(),
            "stanza_id": message["stanza_id"]["id"] or None,
        })
        if len(result["messages"]) >= expected and not received.done():
            received.set_result(None)

    async def on_session_start(_event) -> None:
        client.send_presence()
        if not started.done():
            started.set_result(None)

    client.add_event_handler("session_start", on_session_start)
    client.add_event_handler("message", on_message)
    client.connect(address=(options["host"], options["port"]), force_starttls=True)

    async def run() -> None:
        try:
            await asyncio.wait_for(started, 8)
            await asyncio.wait_for(received, 8)
            await client.plugin["xep_0280"].enable()
            result["carbons"] = "enabled"
            archived = []
            async for message in client.plugin["xep_0313"].iterate(total=50, rsm={"max": 1}):
                archived.append(message["mam_result"]["forwarded"]["stanza"]["body"])
            result["archive"] = archived
        except Exception as error:  # reported to the test, which fails with it
            result["failure"] = repr(error)
        client.disconnect()
        await asyncio.sleep(0.1)

    asyncio.get_event_loop().run_until_complete(run())
    print(json.dumps(result))


main()
