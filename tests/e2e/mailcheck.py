#!/usr/bin/env python3
"""mailcheck.py - decode the messages Postfix delivered (tests/e2e/lib.sh
puts one file per recipient in a maildir, with a Delivered-To header) so
the worker's end-to-end tests can assert on them with plain shell.

    mailcheck.py list DIR...        one line per distinct Message-ID:
                                    TO<TAB>CC<TAB>SUBJECT<TAB>MSGID<TAB>DELIVERED
                                    (DELIVERED = sorted Delivered-To list)
    mailcheck.py ids DIR...         one line per delivery: MSGID DELIVERED-TO
    mailcheck.py body DIR... --to ADDR
                                    decoded text of the message whose To
                                    holds ADDR (fails if not exactly one)
    mailcheck.py header DIR... --to ADDR NAME
                                    its value; nothing if it has none
    mailcheck.py attachments DIR... --to ADDR   file names, one a line
    mailcheck.py count DIR... [--to ADDR]
                                    how many distinct Message-IDs (whose
                                    To holds ADDR)

A DIR that does not exist is an error (a typo'd path would otherwise read
as "nothing delivered"). --absent-ok DIR... lets a DIR be missing when its
parent exists: a folder only created once something arrives. Headers are
decoded (RFC 2047) with Python's email package.
"""
import email
import os
import sys
from email import policy


ABSENT_OK = False


def messages(dirs):
    for d in dirs:
        if not os.path.isdir(d):
            parent = os.path.dirname(os.path.abspath(d))
            if ABSENT_OK and not os.path.exists(d) and os.path.isdir(parent):
                continue
            sys.exit('mailcheck: %s: no such folder' % d)
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            with open(path, 'rb') as f:
                yield email.message_from_binary_file(f, policy=policy.default)


def addrs(msg, name):
    v = msg.get(name)
    if v is None:
        return ''
    return ','.join(sorted(a.addr_spec for a in v.addresses))


def distinct(dirs):
    by_id = {}
    for m in messages(dirs):
        mid = str(m.get('Message-ID', '')).strip()
        entry = by_id.setdefault(mid, [m, []])
        entry[1].append(str(m.get('Delivered-To', '')).strip().lower())
    return by_id


def to_holds(msg, to):
    return to.lower() in addrs(msg, 'To').lower().split(',')


def pick(dirs, to):
    found = [e for e in distinct(dirs).values() if to_holds(e[0], to)]
    if len(found) != 1:
        sys.exit('mailcheck: %d messages to %s, want 1' % (len(found), to))
    return found[0][0]


def text_of(msg):
    for part in msg.walk():
        if part.get_content_type() == 'text/plain':
            return part.get_content()
    return ''


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    global ABSENT_OK
    cmd = argv[1]
    to = None
    rest = argv[2:]
    if '--absent-ok' in rest:
        ABSENT_OK = True
        rest.remove('--absent-ok')
    if '--to' in rest:
        i = rest.index('--to')
        to = rest[i + 1]
        rest = rest[:i] + rest[i + 2:]
    if cmd == 'header':
        dirs, name = rest[:-1], rest[-1]
    else:
        dirs = rest
    if not dirs or (cmd in ('body', 'header', 'attachments') and to is None):
        sys.exit(__doc__)
    if cmd == 'list':
        for mid, (m, dl) in sorted(distinct(dirs).items(),
                                   key=lambda kv: addrs(kv[1][0], 'To')):
            print('\t'.join([addrs(m, 'To'), addrs(m, 'Cc'),
                             str(m.get('Subject', '')), mid,
                             ','.join(sorted(dl))]))
    elif cmd == 'ids':
        for m in messages(dirs):
            print(str(m.get('Message-ID', '')).strip(),
                  str(m.get('Delivered-To', '')).strip().lower())
    elif cmd == 'body':
        sys.stdout.write(text_of(pick(dirs, to)))
    elif cmd == 'header':
        v = pick(dirs, to).get(name)
        if v is not None:
            print(str(v))
    elif cmd == 'count':
        print(sum(1 for m, _ in distinct(dirs).values()
                  if to is None or to_holds(m, to)))
    elif cmd == 'attachments':
        for part in pick(dirs, to).walk():
            if part.get_filename():
                print(part.get_filename())
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
