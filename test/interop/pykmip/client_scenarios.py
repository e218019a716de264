"""Runs one interop scenario with PyKMIP's client and prints one JSON line; exit 0 only when it passed.

usage: client_scenarios.py --host H --port P --ca CA --cert CERT --key KEY --version 1.2|1.4|2.0 --scenario NAME
"""

import argparse
import json
import os
import sys
import traceback
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# PyKMIP 0.10 calls ssl.wrap_socket and PROTOCOL_TLSv1_2, both deprecated in Python 3.10+: keep stderr readable.
warnings.simplefilter("ignore", DeprecationWarning)

from kmip.core import enums  # noqa: E402
from kmip.pie.client import ProxyKmipClient  # noqa: E402

import scenarios  # noqa: E402

VERSIONS = {"1.2": enums.KMIPVersion.KMIP_1_2, "1.4": enums.KMIPVersion.KMIP_1_4, "2.0": enums.KMIPVersion.KMIP_2_0}
# Seconds a socket read may block: a server that stops answering fails the scenario instead of hanging CI.
SOCKET_TIMEOUT_S = 10


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", required=True)
    p.add_argument("--port", required=True, type=int)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--version", required=True, choices=sorted(VERSIONS))
    p.add_argument("--scenario", required=True, choices=sorted(scenarios.SCENARIOS))
    return p.parse_args(argv)


def describe(err):
    if isinstance(err, scenarios.ScenarioFailure):
        return {"kind": "assertion", "message": str(err)}
    if isinstance(err, scenarios.KMIP_FAILURES):
        status = getattr(err, "status", None)
        return {"kind": "kmip", "status": getattr(status, "name", str(status)),
                "reason": scenarios.reason_of(err), "message": str(err)}
    return {"kind": "exception", "type": type(err).__name__, "message": str(err),
            "where": traceback.format_exc(limit=-3)}


def main(argv):
    args = parse_args(argv)
    out = {"scenario": args.scenario, "version": args.version, "ok": False}
    client = ProxyKmipClient(
        hostname=args.host, port=args.port, cert=args.cert, key=args.key, ca=args.ca,
        # The TLS1.2 authentication suite of KMIP profiles; PyKMIP maps this name onto ssl.PROTOCOL_TLSv1_2.
        ssl_version="PROTOCOL_TLSv1_2", kmip_version=VERSIONS[args.version],
    )
    client.proxy.timeout = SOCKET_TIMEOUT_S
    try:
        client.open()
        try:
            out["result"] = scenarios.SCENARIOS[args.scenario](scenarios.Ctx(client, VERSIONS[args.version]))
            out["ok"] = True
        finally:
            client.close()
    except Exception as err:  # every failure becomes the JSON line the caller reads
        out["error"] = describe(err)
    print(json.dumps(out, sort_keys=True), flush=True)
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
