"""Format adapters: bytes in, canonical events and rejections out. Pure: no storage, no web."""
