"""Placeholder: replaced by the module that implements `modesnn evaluate`."""


def register(sub):
    p = sub.add_parser("evaluate", help="(not yet implemented)")
    p.set_defaults(func=lambda args: 1)
