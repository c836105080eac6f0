"""Placeholder: replaced by the module that implements `modesnn profile`."""


def register(sub):
    p = sub.add_parser("profile", help="(not yet implemented)")
    p.set_defaults(func=lambda args: 1)
