"""Placeholder: replaced by the module that implements `modesnn compose`."""


def register(sub):
    p = sub.add_parser("compose", help="(not yet implemented)")
    p.set_defaults(func=lambda args: 1)
