"""Placeholder: replaced by the module that implements `modesnn learn`."""


def register(sub):
    p = sub.add_parser("learn", help="(not yet implemented)")
    p.set_defaults(func=lambda args: 1)
