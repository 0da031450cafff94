"""OLPC canonical JSON for the vector generators (make-vectors.py, make-key-vectors.py): one copy, so both
sign exactly the bytes securesystemslib would."""


def canonical(value):
    """OLPC canonical JSON as securesystemslib writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(canonical(k) + ":" + canonical(value[k]) for k in sorted(value)) + "}"
    raise TypeError(type(value))
