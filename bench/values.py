"""The benchmark values, as crates/sealant-bench's `plaintext(i, size)`
makes them, for the scripts that feed the same values to other tools."""


def plaintext(i, size=32):
    text = f"secret-{i}-"
    while len(text) < size:
        text += chr(ord('a') + len(text) % 26)
    return text[:size]
