#!/usr/bin/python3
"""Drive the RouterOS API test server with a client nobody here wrote: Debian's python3-librouteros.

Logs in (the >= 6.43 plain login), prints with a query, adds and removes an item, provokes a trap, and
prints one JSON object with what it saw; exits non-zero if librouteros raised anything unexpected.
Run with /usr/bin/python3 (the Debian interpreter that has the package). The password comes from the
environment variable ROUTEROS_PROBE_PASSWORD so it never shows in a process list.

    ROUTEROS_PROBE_PASSWORD=... /usr/bin/python3 librouteros-probe.py --host 127.0.0.1 --port 8728 --user auditor
    ... --port 8729 --ca ca.pem --servername router.school.test     (api-ssl, certificate verified)
"""
import argparse
import json
import os
import ssl
import sys

from librouteros import connect
from librouteros.exceptions import TrapError
from librouteros.query import Key, Or


def printed(api, menu, item, proplist):
    """Adds `item` to `menu`, prints it three ways, removes it: what each print shows."""
    path = api.path(*menu)
    added = path.add(**item)
    name = item['name']
    plain = [row for row in path if row.get('name') == name][0]
    command = '/' + '/'.join(menu) + '/print'
    detail = [row for row in api(command, detail='') if row.get('name') == name][0]
    listed = [row for row in path.select(*(Key(k) for k in proplist)) if row.get('name') == name][0]
    path.remove(added)
    return {'plain': plain, 'detail': detail, 'proplist': listed}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--user', required=True)
    parser.add_argument('--ca', help='CA file: use api-ssl and verify the certificate against it')
    parser.add_argument('--servername', help='name to verify in the certificate (default: the host)')
    parser.add_argument('--defaults', action='store_true',
                        help='also add a bridge and an SNMP community and print them plain, with detail and '
                             'with a .proplist (what print leaves out at its default)')
    args = parser.parse_args()

    options = {'port': args.port, 'timeout': 5}
    if args.ca:
        context = ssl.create_default_context(cafile=args.ca)  # verifies the chain and the name
        server_hostname = args.servername or args.host
        options['ssl_wrapper'] = lambda sock: context.wrap_socket(sock, server_hostname=server_hostname)

    api = connect(host=args.host, username=args.user, password=os.environ['ROUTEROS_PROBE_PASSWORD'], **options)
    seen = {}
    seen['identity'] = tuple(api.path('system', 'identity'))[0]['name']
    resource = tuple(api.path('system', 'resource'))[0]
    seen['version'] = resource['version']
    seen['board'] = resource['board-name']

    name, kind, address, interface = Key('name'), Key('type'), Key('address'), Key('interface')
    staff = api.path('ip', 'address').select(address, interface).where(interface == 'STAFF')
    seen['staffAddresses'] = [row['address'] for row in staff]
    either = api.path('interface').select(name, kind).where(Or(name == 'STAFF', name == 'GUEST'))
    seen['staffOrGuest'] = sorted(row['name'] for row in either)

    lists = api.path('ip', 'firewall', 'address-list')
    probe = Key('list')
    seen['added'] = lists.add(list='librouteros-probe', address='192.0.2.10', comment='probe')
    seen['afterAdd'] = [row['address'] for row in lists.select(address).where(probe == 'librouteros-probe')]
    lists.remove(seen['added'])
    seen['afterRemove'] = [row['address'] for row in lists.select(address).where(probe == 'librouteros-probe')]

    try:
        tuple(api('/ip/address/add', address='192.0.2.1/24', interface='no-such-interface'))
        seen['trap'] = None
    except TrapError as trap:
        seen['trap'] = {'message': trap.message, 'category': trap.category}

    if args.defaults:
        seen['defaults'] = {
            'bridge': printed(api, ('interface', 'bridge'), {'name': 'probe-br'},
                              ('name', 'ingress-filtering', 'protocol-mode', 'frame-types')),
            'community': printed(api, ('snmp', 'community'), {'name': 'probe-community'},
                                 ('name', 'addresses', 'security', 'read-access')),
        }

    api.close()
    print(json.dumps(seen))
    return 0


if __name__ == '__main__':
    sys.exit(main())
