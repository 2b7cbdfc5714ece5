# An independent XMPP client (slixmpp) for the end-to-end tests: logs in with a chosen SASL
# mechanism, optionally sends messages and waits for some, then prints one JSON object with
# what happened, the messages and presences it received among it.
# Usage: /usr/bin/python3 slixmpp_client.py '<json options>'
import asyncio
import json
import logging
import ssl
import sys

import slixmpp

logging.disable(logging.CRITICAL)


def main() -> None:
    options = json.loads(sys.argv[1])
    result = {"authenticated": False, "bound_jid": None, "failure": None, "messages": [], "presences": [], "roster": None}
    client = slixmpp.ClientXMPP(options["jid"], options["password"], sasl_mech=options.get("mechanism"))
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE
    if options.get("plain_without_tls"):
        client["feature_mechanisms"].unencrypted_plain = True
    expected = options.get("expect_messages", 0)
    done = asyncio.get_event_loop().create_future()

    def finish() -> None:
        if not done.done():
            done.set_result(None)

    async def on_session_start(_event) -> None:
        result["authenticated"] = True
        result["bound_jid"] = str(client.boundjid)
        client.send_presence(ppriority=options.get("priority", 0))
        for message in options.get("send", []):
            client.send_message(mto=message["to"], mbody=message["body"], mtype="chat")
        if expected == 0:
            await asyncio.sleep(0.2)
            finish()

    def on_message(message) -> None:
        result["messages"].append({"from": str(message["from"]), "body": message["body"], "type": message["type"]})
        if len(result["messages"]) >= expected:
            finish()

    def on_presence(presence) -> None:
        result["presences"].append({"from": str(presence["from"]), "type": presence["type"]})

    def on_failed_auth(event) -> None:
        result["failure"] = "not-authorized" if event is None else str(event["condition"] or "failure")
        finish()

    client.add_event_handler("session_start", on_session_start)
    client.add_event_handler("message", on_message)
    client.add_event_handler("presence", on_presence)
    client.add_event_handler("failed_all_auth", on_failed_auth)
    client.add_event_handler("failed_auth", on_failed_auth)
    client.add_event_handler("disconnected", lambda _event: finish())
    client.connect(address=(options["host"], options["port"]), force_starttls=not options.get("plain_without_tls", False))

    async def run() -> None:
        try:
            await asyncio.wait_for(done, options.get("timeout", 8))
        except asyncio.TimeoutError:
            result["failure"] = result["failure"] or "timeout"
        if options.get("roster") and result["authenticated"]:
            await client.get_roster()
            result["roster"] = {str(jid): client.client_roster[jid]["subscription"] for jid in client.client_roster.keys()}
        client.disconnect()
        await asyncio.sleep(0.1)

    asyncio.get_event_loop().run_until_complete(run())
    print(json.dumps(result))


main()
