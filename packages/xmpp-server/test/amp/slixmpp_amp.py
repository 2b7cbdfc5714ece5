# slixmpp (an independent client) sending an XEP-0079 AMP message: logs in, sends initial
# presence, sends one chat message carrying <amp/> with the given rules (written as raw XML,
# slixmpp's own AMP plugin is not used), and prints one JSON object with every message
# stanza that came back with the same id. Usage: /usr/bin/python3 slixmpp_amp.py '<json options>'
import asyncio
import json
import logging
import ssl
import sys
import xml.etree.ElementTree as ET

import slixmpp

logging.disable(logging.CRITICAL)
NS_AMP = "http://jabber.org/protocol/amp"


def main() -> None:
    options = json.loads(sys.argv[1])
    result = {"replies": [], "failure": None}
    client = slixmpp.ClientXMPP(options["jid"], options["password"])
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE
    done = asyncio.get_event_loop().create_future()

    async def on_session_start(_event) -> None:
        client.send_presence()
        message = client.make_message(mto=options["to"], mbody="sent by slixmpp", mtype="chat")
        message["id"] = options["id"]
        amp = ET.Element("{%s}amp" % NS_AMP)
        for rule in options["rules"]:
            ET.SubElement(amp, "{%s}rule" % NS_AMP, rule)
        message.append(amp)
        message.send()

    def on_stanza(stanza) -> None:
        if stanza.name != "message" or stanza["id"] != options["id"]:
            return
        amp = stanza.xml.find("{%s}amp" % NS_AMP)
        error = stanza.xml.find("{jabber:client}error")
        result["replies"].append({
            "from": str(stanza["from"]),
            "type": stanza["type"],
            "status": None if amp is None else amp.get("status"),
            "rules": [] if amp is None else [dict(rule.attrib) for rule in amp],
            "error": None if error is None else [child.tag.split("}")[1] for child in error],
        })
        if len(result["replies"]) >= options.get("expect", 1):
            done.set_result(None) if not done.done() else None

    client.add_event_handler("session_start", on_session_start)
    client.register_handler(slixmpp.xmlstream.handler.Callback(
        "amp replies", slixmpp.xmlstream.matcher.MatchXPath("{jabber:client}message"), on_stanza))
    client.connect(address=(options["host"], options["port"]), force_starttls=True)

    async def run() -> None:
        try:
            await asyncio.wait_for(done, options.get("timeout", 8))
        except asyncio.TimeoutError:
            result["failure"] = "timeout"
        client.disconnect()

    asyncio.get_event_loop().run_until_complete(run())
    print(json.dumps(result))


main()
