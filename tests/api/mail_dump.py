"""Reads what the test SMTP server saved (a maildir) and prints it as JSON,
decoded: each message's headers and text parts, and each calendar part
parsed by the `icalendar` package (PyPI), an independent reader of the
.ics the server writes. With `--ics FILE`, parses one calendar file.
"""
import email
import email.policy
import json
import os
import sys

import icalendar


def events_of(raw):
    cal = icalendar.Calendar.from_ical(raw)
    out = []
    for ev in cal.walk("VEVENT"):
        out.append(
            {
                "uid": str(ev.get("UID")),
                "dtstart": ev.decoded("DTSTART").isoformat(),
                "dtend": ev.decoded("DTEND").isoformat(),
                "summary": str(ev.get("SUMMARY", "")),
                "description": str(ev.get("DESCRIPTION", "")),
                "location": str(ev.get("LOCATION", "")),
                "status": str(ev.get("STATUS", "")),
                "sequence": int(ev.get("SEQUENCE", 0)),
            }
        )
    return {"method": str(cal.get("METHOD", "")), "events": out}


def main():
    if sys.argv[1] == "--ics":
        with open(sys.argv[2], "rb") as f:
            print(json.dumps(events_of(f.read())))
        return
    maildir = sys.argv[1]
    messages = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            texts, calendars = [], []
            for part in msg.walk():
                ctype = part.get_content_type()
                if ctype == "text/plain":
                    texts.append(part.get_content())
                elif ctype == "text/calendar":
                    calendars.append(events_of(part.get_payload(decode=True)))
            messages.append(
                {
                    "message_id": str(msg["Message-ID"]),
                    "to": str(msg["To"]),
                    "subject": str(msg["Subject"]),
                    "texts": texts,
                    "calendars": calendars,
                }
            )
    print(json.dumps(messages, ensure_ascii=False))


main()
