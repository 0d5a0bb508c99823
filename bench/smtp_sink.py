"""A real SMTP server on loopback that accepts and counts every message (aiosmtpd), run by bench/national.py in a
process of its own, as a mail server is: `python bench/smtp_sink.py PORT`. Prints the count when stopped (SIGTERM)."""

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        Sink.received += 1
        return "250 OK"


def main() -> int:
    port = int(sys.argv[1])
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    print(Sink.received, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
