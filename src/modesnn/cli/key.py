"""Placeholder: replaced by the module that implements `modesnn key`."""


def register(sub):
    p = sub.add_parser("key", help="(not yet implemented)")
    p.set_defaults(func=lambda args: 1)
